"""The guide search at the issue's sizes: one center with 5,000 matters, and the city-wide search
over 300 centers.

1. A township `bench-search` gets BENCH_SEARCH_MATTERS (5,000) matters in its catalog
   (LocalMatter: names built from the subjects and actions of real guides, conditions and
   materials), published into the public index by the service the catalog calls
   (catalog_cms.search_index.services.center_matters_publish, timed).
2. BENCH_SEARCH_CENTERS - 1 (299) more centers, each publishing BENCH_SEARCH_PER_CENTER (200)
   matters drawn from a city list of 600 (so many centers share a code and name, as adopted
   city templates do). The index lives in the public schema and the search never reads a
   center's schema, so these are Center rows without a schema, and their index rows are
   written as center_matters_publish writes them (same tokenising); they are removed at the
   end of the phase, so no later phase meets a center without a schema.
3. ANALYZE (the index and the centers), then every query of QUERIES (everyday words,
   synonyms, two-character words, several words, a partial name, one character, a word that
   finds nothing) through the selectors the /search/ views call (center_search for the
   center, city_search for the city), BENCH_SEARCH_ROUNDS (20) rounds after one warm-up
   round: p50/p95 over all samples and per query kind. The same queries through the views
   themselves (Django test client, in-process: routing, tenant middleware, template) give the
   page's own p50/p95.

Called by bench/run.py (phase "search"), with Django already set up on the bench database.
"""

from __future__ import annotations

import os
import random
import time

from stats import figures

MATTERS = int(os.environ.get("BENCH_SEARCH_MATTERS", "5000"))
CENTERS = int(os.environ.get("BENCH_SEARCH_CENTERS", "300"))
PER_CENTER = int(os.environ.get("BENCH_SEARCH_PER_CENTER", "200"))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "20"))
TARGET_P95_MS = 100.0
CITY_LIST = 600
SLUG = "bench-search"
FAKE_PREFIX = "bench_search_"  # schema names of the index-only centers (no schema exists)

SUBJECTS = [
    "建设工程", "城乡规划", "药品零售", "医疗器械", "食品经营", "机动车驾驶证", "住房公积金",
    "最低生活保障", "社会保险", "城乡居民基本医疗保险", "残疾人证", "老年人优待证", "生育登记",
    "户籍迁移", "居民身份证", "营业执照", "特种设备", "道路运输", "排水许可", "临时救助",
    "特困人员", "农村宅基地", "林木采伐", "渔业捕捞", "建筑施工", "消防设计", "人防工程",
    "文化娱乐", "出版物零售", "烟草专卖", "危险化学品", "教师资格", "民办学校", "养老机构",
    "殡葬服务", "退役军人", "劳动合同", "就业登记", "失业保险", "工伤认定", "不动产登记",
    "房屋租赁", "燃气经营", "供热经营", "户外广告", "医疗救助", "高龄津贴", "独生子女父母奖励",
]  # fmt: skip
ACTIONS = [
    "许可", "核发", "变更", "注销", "延续", "补领", "换领", "登记", "审核", "审批", "备案",
    "认定", "申请", "提取", "确认", "办理", "给付", "查询",
]  # fmt: skip
QUALIFIERS = ["", "", "", "（个人）", "（企业）", "（首次）"]
CONDITIONS = [
    "申请人具有本市户籍，{subject}符合相关规定",
    "因{subject}事项需要办理，材料真实有效",
    "{subject}已满规定年限，未享受同类待遇",
]
MATERIALS = ["居民身份证", "户口簿", "申请表", "营业执照", "授权委托书", "医疗费用票据", "社保卡"]

# (kind, query): what residents type.
QUERIES = [
    ("synonym", "医保"),
    ("synonym", "社保"),
    ("synonym", "低保"),
    ("synonym", "驾照"),
    ("synonym", "公积金"),
    ("two characters", "登记"),
    ("two characters", "许可"),
    ("two characters", "救助"),
    ("two characters", "补领"),
    ("everyday words", "身份证丢了"),
    ("everyday words", "开饭店"),
    ("everyday words", "营业执照"),
    ("several words", "建设工程 规划"),
    ("several words", "公积金 提取"),
    ("several words", "医保 登记"),
    ("several words", "营业执照 变更 企业"),
    ("partial name", "药品零售"),
    ("partial name", "不动产登记"),
    ("one character", "证"),
    ("no match", "火星登月"),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SUBJECTS) + rng.choice(ACTIONS) + rng.choice(QUALIFIERS)


def _matter_fields(rng: random.Random) -> dict:
    subject = rng.choice(SUBJECTS)
    return {
        "name": _name(rng),
        "conditions": rng.choice(CONDITIONS).format(subject=subject),
        "materials": [{"name": m} for m in rng.sample(MATERIALS, 3)],
    }


def build_center(log) -> tuple[object, dict]:
    """The center with MATTERS matters in its catalog, published into the index."""
    from django_tenants.utils import schema_context

    from catalog_cms.search_index.services import center_matters_publish
    from centers.catalog.models import LocalMatter
    from tenants.models import Center
    from tenants.services import center_create

    if not Center.objects.filter(slug="shenbei").exists():
        center_create(
            kind="district", division_code="210113000000", name="沈北新区", slug="shenbei",
            actor="bench",
        )  # fmt: skip
    center = Center.objects.filter(slug=SLUG).first()
    if center is None:
        center = center_create(
            kind="township", division_code="210113108000", name="检索镇", slug=SLUG,
            parent_slug="shenbei", actor="bench",
        ).center  # fmt: skip
    rng = random.Random(5000)
    log(f"search: {MATTERS} matters into {SLUG}'s catalog")
    with schema_context(center.schema_name):
        LocalMatter.objects.all().delete()
        LocalMatter.objects.bulk_create(
            (
                LocalMatter(
                    code=f"S{i:05d}", category_name="综合", authority_level="township",
                    mode="immediate", online=i % 3 == 0, **_matter_fields(rng),
                )
                for i in range(MATTERS)
            ),
            batch_size=1000,
        )  # fmt: skip
    started = time.perf_counter()
    written = center_matters_publish(center)
    publish_s = time.perf_counter() - started
    return center, {"matters": written, "publish_s": round(publish_s, 2)}


def build_city(log) -> dict:
    """CENTERS - 1 index-only centers with PER_CENTER matters each from a city list."""
    from catalog_cms.search_index.models import PublishedMatter
    from catalog_cms.search_index.services import city_matters_rebuild
    from catalog_cms.search_index.tokens import tsvector_text
    from tenants.models import Center, CenterKind, CenterStatus

    others = max(0, CENTERS - 1)
    log(f"search: {others} more centers × {PER_CENTER} matters into the index")
    parent = Center.objects.get(slug="shenbei")
    centers = Center.objects.bulk_create(
        Center(
            schema_name=f"{FAKE_PREFIX}{i}", slug=f"bench-search-{i}", name=f"检索{i}镇",
            kind=CenterKind.TOWNSHIP if i % 2 else CenterKind.STREET,
            division_code=f"210113{600 + i:03d}000", parent=parent, status=CenterStatus.ACTIVE,
        )
        for i in range(others)
    )  # fmt: skip
    city_rng = random.Random(400)
    city_list = []
    for i in range(CITY_LIST):
        fields = _matter_fields(city_rng)
        document = tsvector_text(fields["name"], [fields["conditions"], *(
            m["name"] for m in fields["materials"])])  # fmt: skip
        city_list.append((f"C{i:04d}", fields["name"], document, i % 3 == 0))
    rng = random.Random(300)
    rows = []
    for center in centers:
        for code, name, document, online in rng.sample(city_list, min(PER_CENTER, CITY_LIST)):
            rows.append(
                PublishedMatter(
                    center=center, code=code, name=name, category="综合", mode="immediate",
                    online=online, document=document,
                )
            )  # fmt: skip
    PublishedMatter.objects.bulk_create(rows, batch_size=5000)
    distinct = city_matters_rebuild()
    return {
        "centers": len(centers) + 1,
        "rows": PublishedMatter.objects.count(),
        "city_matters": distinct,
    }


def analyze() -> None:
    from django.db import connection

    from catalog_cms.search_index.models import CityMatter, PublishedMatter
    from tenants.models import Center

    # The tables the searches read, as autovacuum would after such a load.
    with connection.cursor() as cursor:
        for model in (PublishedMatter, CityMatter, Center):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def measure(run, *, counts: bool = True) -> dict:
    """run(q) for every query, one warm-up round and ROUNDS timed rounds; with counts, also
    what each query found (run returns the number of results)."""
    for _kind, q in QUERIES:
        run(q)
    samples: dict[str, list[float]] = {}
    hits: dict[str, int] = {}
    for _round in range(ROUNDS):
        for kind, q in QUERIES:
            started = time.perf_counter()
            found = run(q)
            samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            hits[q] = found
    every = [s for values in samples.values() for s in values]
    out = {
        **figures(every),
        "by_kind": {kind: figures(values) for kind, values in samples.items()},
    }
    if counts:
        out["results"] = hits
    return out


def cleanup() -> None:
    from catalog_cms.search_index.services import city_matters_rebuild
    from tenants.models import Center

    Center.objects.filter(schema_name__startswith=FAKE_PREFIX).delete()
    city_matters_rebuild()


def search_bench(log) -> dict:
    from django.db import connection
    from django.test import Client

    from catalog_cms.search_index.selectors import center_search, city_search
    from tenants.models import Center

    connection.set_schema_to_public()
    center, built = build_center(log)
    try:
        city = build_city(log)
        analyze()
        log(f"search: {len(QUERIES)} queries × {ROUNDS} rounds, center and city")
        out = {"center": SLUG, **built, "city": city, "queries": QUERIES, "rounds": ROUNDS}
        out["center_search"] = measure(lambda q: len(center_search(center, q)))
        out["city_search"] = measure(lambda q: len(city_search(q)))

        center_client = Client(HTTP_HOST=f"{SLUG}.localhost")
        city_domain = Center.objects.get(schema_name="public").domains.get(is_primary=True)
        city_client = Client(HTTP_HOST=city_domain.domain)

        def page(client):
            def run(q):
                response = client.get("/search/", {"q": q})
                assert response.status_code == 200, response.status_code
                return 0

            return run

        out["center_page"] = measure(page(center_client), counts=False)
        out["city_page"] = measure(page(city_client), counts=False)
        connection.set_schema_to_public()
    finally:
        cleanup()
    out["target_p95_ms"] = TARGET_P95_MS
    out["verdict"] = (
        "under target"
        if max(out["center_search"]["p95_ms"], out["city_search"]["p95_ms"]) < TARGET_P95_MS
        else "OVER TARGET"
    )
    return out


def print_table(s: dict) -> None:
    city = s["city"]
    lines = [
        "",
        f"8. guide search: {s['matters']:,} matters in {s['center']} (published in "
        f"{s['publish_s']:.1f} s); city index {city['rows']:,} rows over {city['centers']} "
        f"centers; {len(s['queries'])} queries × {s['rounds']} rounds",
        f"   {'':<34}{'p50':>9}  {'p95':>9}  {'max':>9}",
    ]
    for key, label in (
        ("center_search", "center_search() (selector)"),
        ("city_search", "city_search() (selector)"),
        ("center_page", "GET /search/?q= center (in-process)"),
        ("city_page", "GET /search/?q= city (in-process)"),
    ):
        f = s[key]
        lines.append(
            f"   {label:<34}{f['p50_ms']:6.1f} ms {f['p95_ms']:6.1f} ms {f['max_ms']:6.1f} ms"
        )
    for key in ("center_search", "city_search"):
        kinds = ", ".join(f"{kind} {f['p95_ms']:.1f}" for kind, f in s[key]["by_kind"].items())
        lines.append(f"   {key} p95 by kind (ms): {kinds}")
    for key in ("center_search", "city_search"):
        empty = [q for q, n in s[key]["results"].items() if not n]
        lines.append(f"   {key} found nothing for: {'、'.join(empty) or '—'}")
    lines.append(f"   target p95 < {s['target_p95_ms']:.0f} ms: {s['verdict']}")
    print("\n".join(lines))
