"""The guide search on a center's domain and on the city's: the issue's examples, ranking,
publishing, cross-tenant isolation and escaping."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from catalog_cms.search_index.models import PublishedMatter, Synonym
from catalog_cms.search_index.selectors import (
    center_search,
    center_search_closest,
    city_search,
    city_search_closest,
)
from catalog_cms.search_index.services import all_centers_publish, center_matters_publish
from centers.catalog.models import LocalMatter
from centers.catalog.services import catalog_adopt
from tenants.models import CenterStatus

pytestmark = pytest.mark.django_db

CATALOG = [
    ("M-001", "建设工程规划许可证核发", "符合城乡规划要求", ["建设工程规划许可申请表"]),
    ("M-002", "药品(零售)经营许可", "有依法经过资格认定的药学技术人员", ["营业执照"]),
    ("M-003", "城乡居民基本医疗保险参保登记", "本市户籍居民", ["居民身份证"]),
    ("M-004", "机动车驾驶证补领", "驾驶证遗失或者损毁", ["居民身份证"]),
    ("M-005", "住房公积金提取", "购买自住住房", ["购房合同"]),
    ("M-006", "最低生活保障审核", "家庭人均收入低于低保标准", ["户口簿"]),
    ("M-007", "城乡居民社会保险参保登记", "本市户籍", ["户口簿"]),
    ("M-008", "临时救助申请", "因社保待遇未到账导致生活困难", ["社保卡"]),
    ("M-009", "建设用地规划许可", "", []),
]


@pytest.fixture
def catalog(township, add_matter):
    for code, name, conditions, materials in CATALOG:
        add_matter(township, code, name, conditions=conditions, materials=materials)
    return township


def codes(center, q):
    return [m.code for m in center_search(center, q)]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("建设工程 规划", ["M-001"]),
        ("规划 建设工程", ["M-001"]),
        ("药品零售", ["M-002"]),
        ("零售药品", []),
        ("医保", ["M-003"]),
        ("驾照", ["M-004"]),
        ("公积金", ["M-005"]),
        ("低保", ["M-006"]),
        # Everyday phrases, through the seeded list, several synonyms at once.
        ("驾照丢了", ["M-004"]),
        ("驾驶证遗失", ["M-004"]),
        ("规划许可", ["M-001", "M-009"]),
        ("火星", []),
        ("", []),
        ("（）", []),
    ],
)
def test_the_issues_examples(catalog, q, expected):
    assert sorted(codes(catalog, q)) == sorted(expected)


def test_two_character_query_ranks_name_matches_first(catalog):
    # 社保 is in M-008's conditions and material, and through the synonym 社保 → 社会保险 in
    # M-007's name: the name match comes first.
    assert codes(catalog, "社保") == ["M-007", "M-008"]
    # 户籍 is in no name: both conditions match, with the same weight.
    assert sorted(codes(catalog, "户籍")) == ["M-003", "M-007"]
    assert codes(catalog, "身份证") == ["M-003", "M-004"]


def test_one_character_query(catalog):
    # 证 ends 许可证 and 驾驶证 (a run's last character) and starts nothing else in the names.
    found = codes(catalog, "证")
    assert sorted(found[:2]) == ["M-001", "M-004"]
    assert "M-009" not in found
    assert codes(catalog, "驾") == ["M-004"]


def test_synonyms_are_the_citys_list(catalog):
    assert codes(catalog, "房贷") == []
    Synonym.objects.create(term="房贷", official="住房公积金")
    assert codes(catalog, "房贷") == ["M-005"]


def test_publishing_follows_adoption_and_removal(township, templates):
    assert not PublishedMatter.objects.filter(center=township).exists()
    with schema_context(township.schema_name):
        catalog_adopt(templates=templates, actor="test")
    published = PublishedMatter.objects.filter(center=township)
    assert sorted(published.values_list("code", flat=True)) == ["QST-HJ-001", "QST-MZ-001"]
    # Both templates' conditions speak of 最低生活保障; the name match comes first.
    assert codes(township, "低保") == ["QST-MZ-001", "QST-HJ-001"]
    assert codes(township, "生育") == ["QST-HJ-001"]
    with schema_context(township.schema_name):
        LocalMatter.objects.filter(code="QST-HJ-001").delete()
    center_matters_publish(township, codes=["QST-HJ-001"])
    assert list(published.values_list("code", flat=True)) == ["QST-MZ-001"]
    # A full republish from inside another schema reads the right catalog.
    PublishedMatter.objects.all().delete()
    assert all_centers_publish()[township.schema_name] == 1
    call_command("publish_search_index", stdout=io.StringIO())
    assert codes(township, "低保") == ["QST-MZ-001"] and codes(township, "生育") == []


def test_city_search_lists_every_center_that_adopted_and_none_other(
    township, other_township, district, templates
):
    for center in (township, other_township):
        with schema_context(center.schema_name):
            catalog_adopt(templates=[t for t in templates if t.code == "QST-MZ-001"], actor="test")
    connection.set_schema_to_public()
    hits = city_search("低保")
    assert [h.code for h in hits] == ["QST-MZ-001"]
    centers = [c for c, _url in hits[0].centers]
    assert {c.pk for c in centers} == {township.pk, other_township.pk}
    assert all(url.endswith("/guides/QST-MZ-001/") for _c, url in hits[0].centers)
    assert city_search("生育") == []
    # A center that is not active leaves the city search.
    other_township.status = CenterStatus.SUSPENDED
    other_township.save()
    assert [c.pk for c, _u in city_search("低保")[0].centers] == [township.pk]


def test_center_search_page_shows_only_its_own_matters(
    township, other_township, add_matter, client_for
):
    add_matter(township, "Q-1", "清水台镇医疗保险登记")
    add_matter(other_township, "H-1", "虎石台医疗保险登记")
    response = client_for(township).get("/search/", {"q": "医保"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/guides/Q-1/"' in body and "清水台镇医疗保险登记" in body
    assert "H-1" not in body and "虎石台医疗保险登记" not in body
    other = client_for(other_township).get("/search/", {"q": "医疗保险"}).content.decode()
    assert "虎石台医疗保险登记" in other and "清水台镇医疗保险登记" not in other
    assert client_for(township).post("/search/", {"q": "医保"}).status_code == 405


def test_city_search_page_groups_centers(township, other_township, add_matter, client_for, city):
    add_matter(township, "X-1", "老年人优待证办理")
    add_matter(other_township, "X-1", "老年人优待证办理")
    add_matter(other_township, "X-2", "老年人助餐补贴")
    body = client_for(city).get("/search/", {"q": "老年证"}).content.decode()
    assert body.count("老年人优待证办理") == 1
    assert "清水台镇政务服务中心" in body and "虎石台街道政务服务中心" in body
    assert "/guides/X-1/" in body and "老年人助餐补贴" not in body


def test_script_query_is_escaped(township, city, client_for):
    for center in (township, city):
        response = client_for(center).get("/search/", {"q": "<script>alert(1)</script>"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_a_whole_sentence_finds_the_closest_matters(catalog):
    # No name holds every bigram of the sentence: the exact search finds nothing, the closest
    # are the names sharing most of its terms, best first.
    q = "我的驾驶证不见了怎么补办"
    assert codes(catalog, q) == []
    closest = [m.code for m in center_search_closest(catalog, q)]
    assert closest[0] == "M-004"
    assert [m.code for m in center_search_closest(catalog, "火星探测")] == []
    assert next(hit.code for hit in city_search_closest(q)) == "M-004"


def test_the_search_pages_offer_the_closest_when_nothing_matches(catalog, client_for, city):
    q = "我想提取住房公积金买房子"
    page = client_for(catalog).get("/search/", {"q": q}).content.decode()
    assert "最接近的" in page and "/guides/M-005/" in page
    page = client_for(city).get("/search/", {"q": q}).content.decode()
    assert "最接近的" in page and "/guides/M-005/" in page
    page = client_for(catalog).get("/search/", {"q": "火星"}).content.decode()
    assert "最接近的" not in page
