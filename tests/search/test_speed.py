"""The search at the issue's sizes: 5,000 matters in one center, and 300 centers × 60 matters
city-wide; and publishing a 5,000-matter catalog. Rows go straight into the index (the centers
need no schema for it). These tests check what the search answers at that size; how fast it
answers is measured by `BENCH_PHASES=search make bench` (bench/search.py), never in a test."""

import random

import pytest
from django.db import connection

from catalog_cms.search_index.models import CityMatter, PublishedMatter
from catalog_cms.search_index.selectors import CENTER_LIMIT, CITY_LIMIT, center_search, city_search
from catalog_cms.search_index.services import city_matters_rebuild
from catalog_cms.search_index.tokens import tsvector_text
from tenants.models import Center

pytestmark = pytest.mark.django_db

SUBJECTS = [
    "建设工程",
    "城乡规划",
    "药品零售",
    "医疗器械",
    "食品经营",
    "机动车驾驶证",
    "住房公积金",
    "最低生活保障",
    "社会保险",
    "医疗保险",
    "残疾人证",
    "老年人优待证",
    "生育登记",
    "户籍迁移",
    "居民身份证",
    "营业执照",
    "特种设备",
    "道路运输",
    "排水许可",
    "临时救助",
    "特困人员",
    "农村宅基地",
    "林木采伐",
    "渔业捕捞",
    "建筑施工",
    "消防设计",
    "人防工程",
    "文化娱乐",
    "出版物零售",
    "烟草专卖",
    "危险化学品",
    "教师资格",
    "民办学校",
    "养老机构",
    "殡葬服务",
    "退役军人",
    "劳动合同",
    "就业登记",
    "失业保险",
    "工伤认定",
    "不动产登记",
    "房屋租赁",
    "燃气经营",
    "供热经营",
    "户外广告",
]
ACTIONS = [
    "许可",
    "核发",
    "变更",
    "注销",
    "延续",
    "补领",
    "换领",
    "登记",
    "审核",
    "审批",
    "备案",
    "认定",
    "申请",
    "提取",
    "确认",
    "办理",
]
QUERIES = ["社保", "低保", "医保", "驾照", "建设工程 规划", "药品零售", "证", "公积金 提取", "登记"]


def _name(rng) -> str:
    return rng.choice(SUBJECTS) + rng.choice(ACTIONS) + rng.choice(["", "", "（个人）", "（企业）"])


def _rows(center, n, rng, prefix):
    rows = []
    for i in range(n):
        name = _name(rng)
        doc = tsvector_text(name, [f"申请人{rng.choice(SUBJECTS)}符合条件", "申请表", "身份证明"])
        rows.append(
            PublishedMatter(
                center=center, code=f"{prefix}{i:05d}", name=name, category="综合",
                mode="immediate", document=doc,
            )
        )  # fmt: skip
    return rows


def _analyze():
    """After a bulk load of published rows: the city-wide rows from them, and statistics."""
    city_matters_rebuild()
    with connection.cursor() as cursor:
        for model in (PublishedMatter, CityMatter, Center):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _check_center(center, q):
    found = center_search(center, q)
    assert 0 < len(found) <= CENTER_LIMIT, q
    assert {m.center_id for m in found} == {center.pk}
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True), q
    return found


def test_answers_at_the_issues_sizes(city):
    rng = random.Random(5)
    parent = Center.objects.create(
        schema_name="speed_district", slug="speed-district", name="测速区", kind="district",
        division_code="210199000000",
    )  # fmt: skip
    centers = Center.objects.bulk_create(
        Center(
            schema_name=f"speed_{i}", slug=f"speed-{i}", name=f"测速{i}镇", kind="township",
            division_code=f"210199{i + 1:06d}", parent=parent,
        )
        for i in range(300)
    )  # fmt: skip
    rows = []
    for center in centers[1:]:
        # 60 matters per center from a city list of 400: many centers share a code and name.
        for i in rng.sample(range(400), 60):
            r = random.Random(i)
            rows.append(_rows(center, 1, r, f"C{i:03d}-")[0])
    PublishedMatter.objects.bulk_create(rows, batch_size=2000)
    _analyze()
    # A city matter that many centers hold lists every one of them, once.
    hit = city_search("公积金")[0]
    holders = PublishedMatter.objects.filter(code=hit.code, name=hit.name).count()
    assert len(hit.centers) == holders > 1

    big = centers[0]
    PublishedMatter.objects.bulk_create(_rows(big, 5000, rng, "B"), batch_size=2000)
    _analyze()
    for q in QUERIES:
        _check_center(big, q)
    # A synonym: 医保 finds the 医疗保险 matters, the names that hold it first.
    found = _check_center(big, "医保")
    assert "医疗保险" in found[0].name
    # Several words, a synonym among them: the names that hold both come first.
    top = _check_center(big, "公积金 提取")[0]
    assert "住房公积金" in top.name and "提取" in top.name
    assert center_search(big, "火星") == []

    for q in QUERIES:
        hits = city_search(q)
        assert 0 < len(hits) <= CITY_LIMIT, q
        assert len({(h.code, h.name) for h in hits}) == len(hits)
        for hit in hits:
            holders = PublishedMatter.objects.filter(code=hit.code, name=hit.name).count()
            assert len(hit.centers) == holders
            codes = [c.division_code for c, _url in hit.centers]
            assert codes == sorted(codes)


def test_publishing_a_large_catalog(township):
    from django_tenants.utils import schema_context

    from catalog_cms.search_index.services import center_matters_publish
    from centers.catalog.models import LocalMatter

    rng = random.Random(7)
    with schema_context(township.schema_name):
        LocalMatter.objects.bulk_create(
            LocalMatter(
                code=f"L{i:05d}", name=_name(rng), category_name="综合",
                authority_level="township", mode="immediate",
                conditions=f"申请人{rng.choice(SUBJECTS)}符合条件，材料齐全。",
                materials=[{"name": "申请表"}, {"name": "居民身份证"}],
            )
            for i in range(5000)
        )  # fmt: skip
    assert center_matters_publish(township) == 5000
    assert PublishedMatter.objects.filter(center=township).count() == 5000
    # Republishing rewrites the rows, never adds to them.
    assert center_matters_publish(township) == 5000
    assert PublishedMatter.objects.filter(center=township).count() == 5000
    _analyze()
    found = center_search(township, "社保")
    assert found and all(m.center_id == township.pk for m in found)
