from django.db import migrations

CATEGORIES = [
    "发展改革", "教育", "科技/经信", "公安", "民政", "司法", "财政", "人力资源", "社会保障",
    "自然资源/规划", "生态环境", "住房城乡建设", "交通运输", "水利", "农业农村/农经", "林业",
    "商务", "文化旅游", "卫健/计生", "退役军人", "应急管理", "市场监管", "医疗保障", "税务",
    "残联", "信访", "户籍", "统计", "气象", "烟草", "消防", "综合执法", "档案", "其他",
]  # fmt: skip
LIFE_EVENTS = ["出生", "上学", "就业", "创业", "婚育", "住房", "养老", "救助", "身后事"]
ALL_RULES = [
    "first_inquiry", "time_limit", "accountability", "efficiency_review", "complaints",
    "ab_posts", "holiday_duty", "attendance", "training",
]  # fmt: skip
STANDARDS = [
    # kind, minimum floor area (m²), minimum weekly opening hours; the district's area is
    # for the city to set (0 = no minimum until it does).
    ("township", 200, 40),
    ("street", 150, 40),
    ("district", 0, 40),
]


def seed(apps, schema_editor):
    if schema_editor.connection.schema_name != "public":
        return
    MatterCategory = apps.get_model("standards", "MatterCategory")
    LifeEvent = apps.get_model("standards", "LifeEvent")
    CenterStandard = apps.get_model("standards", "CenterStandard")
    for order, name in enumerate(CATEGORIES):
        MatterCategory.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, name in enumerate(LIFE_EVENTS):
        LifeEvent.objects.get_or_create(name=name, defaults={"sort_order": order})
    for kind, area, hours in STANDARDS:
        CenterStandard.objects.get_or_create(
            kind=kind,
            defaults={
                "min_floor_area_m2": area,
                "min_weekly_open_hours": hours,
                "required_rules": ALL_RULES,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("standards", "0002_centerstandard_lifeevent_mattercategory_and_more")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
