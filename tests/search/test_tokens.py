"""The tokenising functions, without a database."""

from catalog_cms.search_index.tokens import bigrams, query_terms, tsquery_text, tsvector_text


def test_bigrams_of_chinese_ascii_and_punctuation():
    assert bigrams("医疗保险") == ["医疗", "疗保", "保险"]
    assert bigrams("证") == ["证"]
    assert bigrams("许可证", tails=True) == ["许可", "可证", "证"]
    # Brackets inside a phrase are dropped before the bigrams are made.
    assert bigrams("药品(零售)经营许可") == bigrams("药品零售经营许可")
    assert "品零" in bigrams("药品（零售）经营许可")
    # Spaces and sentence punctuation end a run: no bigram spans them.
    assert bigrams("申请，审核") == ["申请", "审核"]
    assert bigrams("ICP备案 Ａpp") == ["icp", "备案", "app"]
    assert bigrams("  ") == [] and bigrams("《》、") == []


def test_query_terms_split_words_and_expand_synonyms():
    synonyms = {"医保": ["医疗保险"], "驾照": ["机动车驾驶证"]}
    assert query_terms("建设工程 规划", synonyms) == [[["建设", "设工", "工程"]], [["规划"]]]
    assert query_terms("医保", synonyms) == [[["医保"], ["医疗", "疗保", "保险"]]]
    assert query_terms("医保报销", synonyms)[0][1] == ["医疗", "疗保", "保险", "险报", "报销"]
    assert query_terms("证", synonyms) == [[["证"]]]
    assert query_terms("  ，。 ", synonyms) == []
    assert query_terms("低保 低保", {}) == [[["低保"]]]


def test_tsquery_and_tsvector_texts():
    terms = query_terms("医保 证", {"医保": ["医疗保险"]})
    assert tsquery_text(terms) == ("(('医保') | ('医疗' & '疗保' & '保险')) & (('证':*))")
    assert tsquery_text(terms, weight="A") == (
        "(('医保':A) | ('医疗':A & '疗保':A & '保险':A)) & (('证':*A))"
    )
    assert tsquery_text(query_terms("o'neil", {})) == "(('oneil'))"
    assert tsvector_text("低保", ["低保申请"]) == "'低保':1A,3B '保':2A '保申':4B '申请':5B '请':6B"
