"""Chinese tokenising for the guide search, pure functions (no database).

PostgreSQL's parsers do not split Chinese and trigrams cannot serve one- and two-character
queries, so names and texts are indexed as overlapping character bigrams: 医疗保险 → 医疗, 疗保,
保险. Punctuation inside a phrase is dropped before the bigrams are made, so 药品(零售)经营许可
yields 药品, 品零, 零售, … and the query 药品零售 finds it. Sentence punctuation and spaces end a
run (no bigram spans them). ASCII words are lowercased whole tokens.

A one-character query cannot be a bigram: it is matched as a prefix (医 → 医疗, 医保, …), and the
document also holds the last character of every run (证 of 许可证), so every character of a text
is the first character of some indexed token."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Whitespace and sentence punctuation end a run; other punctuation (brackets, quotes, 《》, ·)
# is dropped inside it.
_RUN_BREAK = re.compile(r"[\s,.;:!?，。；：！？、\n]+")
_NOT_WORD = re.compile(rf"[^{_CJK}0-9a-z]+")
_SEGMENT = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")

# Bounds on what one query may ask for: the tsquery stays small whatever is typed.
MAX_QUERY_LENGTH = 60
MAX_WORDS = 6
MAX_VARIANTS = 16  # spellings of one word after synonyms
# tsvector positions stop at 16383.
_MAX_POSITION = 16383


def _normalise(text: str) -> str:
    # NFKC folds full-width letters, digits and brackets (ＡＢＣ，（）) to their ASCII forms.
    return unicodedata.normalize("NFKC", text or "").lower()


def bigrams(text: str, *, tails: bool = False) -> list[str]:
    """The tokens of a text: overlapping two-character grams of every run of Chinese
    characters (a one-character run stays a single character), and ASCII words lowercased.
    With tails, also the last character of every longer Chinese run (documents only)."""
    tokens: list[str] = []
    for run in _RUN_BREAK.split(_normalise(text)):
        run = _NOT_WORD.sub("", run)
        for segment in _SEGMENT.findall(run):
            if not _IS_CJK.match(segment) or len(segment) == 1:
                tokens.append(segment)
                continue
            tokens.extend(segment[i : i + 2] for i in range(len(segment) - 1))
            if tails:
                tokens.append(segment[-1])
    return tokens


def is_prefix_term(term: str) -> bool:
    """A single Chinese character is matched as a prefix of the indexed tokens."""
    return len(term) == 1 and bool(_IS_CJK.match(term))


def query_words(q: str) -> list[str]:
    """The words of a query: split on spaces (and sentence punctuation), bounded."""
    words = [w for w in _RUN_BREAK.split(_normalise(q)[:MAX_QUERY_LENGTH]) if bigrams(w)]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def query_terms(
    q: str, synonyms: Mapping[str, Iterable[str]] | None = None
) -> list[list[list[str]]]:
    """What a query asks for: one entry per word (all words must match); each entry the
    alternatives for that word (the word itself, and the word with a resident's term replaced
    by each official word the synonym list gives, and by several at once); each alternative the
    bigram terms that must all occur. 医保 报销 with 医保 → 医疗保险 gives
    [[["医保"], ["医疗", "疗保", "保险"]], [["报销"]]]."""
    synonyms = synonyms or {}
    result = []
    for word in query_words(q):
        # Every combination of the resident's terms replaced (驾照丢了 → 机动车驾驶证补领),
        # the word itself first; bounded, a query is short.
        variants = [word]
        for term, officials in synonyms.items():
            term = _normalise(term)
            if not term:
                continue
            for variant in list(variants):
                if term in variant:
                    variants.extend(variant.replace(term, _normalise(o)) for o in officials)
            del variants[MAX_VARIANTS:]
        alternatives = []
        for variant in variants:
            terms = list(dict.fromkeys(bigrams(variant)))
            if terms and terms not in alternatives:
                alternatives.append(terms)
        if alternatives:
            result.append(alternatives)
    return result


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_text(terms: list[list[list[str]]], *, weight: str = "") -> str:
    """The tsquery (in PostgreSQL's text form, lexemes taken verbatim) for query_terms: AND
    between words, OR between a word's alternatives, AND within one. weight "A" restricts every
    lexeme to the name. Empty when there is nothing to search for."""
    words = []
    for alternatives in terms:
        options = []
        for alternative in alternatives:
            parts = [
                _lexeme(t)
                + (":*" + weight if is_prefix_term(t) else (":" + weight if weight else ""))
                for t in alternative
            ]
            options.append("(" + " & ".join(parts) + ")")
        words.append("(" + " | ".join(options) + ")")
    return " & ".join(words)


def tsvector_text(name: str, rest: Iterable[str]) -> str:
    """The search document (in tsvector's text form, lexemes verbatim): the name's tokens with
    weight A, the tokens of the other texts (conditions, material names) with weight B."""
    position = 0
    entries: dict[str, list[str]] = {}

    def add(tokens: Iterable[str], weight: str) -> None:
        nonlocal position
        for token in dict.fromkeys(tokens):
            position = min(position + 1, _MAX_POSITION)
            entries.setdefault(token, []).append(f"{position}{weight}")

    add(bigrams(name, tails=True), "A")
    add((t for text in rest for t in bigrams(text, tails=True)), "B")
    return " ".join(f"{_lexeme(token)}:{','.join(pos)}" for token, pos in entries.items())


def loose_tsquery_text(terms: list[list[list[str]]], *, weight: str = "") -> str:
    """Any one term of any word or alternative (OR throughout): the query for the closest
    matters when the exact one finds nothing (a resident's whole sentence, 我想开个小饭馆要办什么,
    still shares 饭馆 or 营业 with the right names). Empty when there is nothing to search for."""
    seen = dict.fromkeys(t for alternatives in terms for alt in alternatives for t in alt)
    return " | ".join(
        _lexeme(t) + (":*" + weight if is_prefix_term(t) else (":" + weight if weight else ""))
        for t in seen
    )
