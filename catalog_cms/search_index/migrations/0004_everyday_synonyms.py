"""More of the everyday words residents type, found by the search bench's everyday queries
(身份证丢了, 开饭店 found nothing): what they lost, what they want to open, life events."""

from django.db import migrations

SYNONYMS = [
    ("丢了", "补领"),
    ("丢失", "补领"),
    ("遗失", "补领"),
    ("开饭店", "餐饮"),
    ("饭店", "餐饮"),
    ("小吃店", "餐饮"),
    ("开店", "个体工商户"),
    ("生孩子", "生育"),
    ("上户口", "出生登记"),
    ("养老金", "养老保险"),
    ("失业金", "失业保险"),
    ("盖房", "宅基地"),
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("search_index", "Synonym")
    for term, official in SYNONYMS:
        Synonym.objects.get_or_create(term=term, official=official)


class Migration(migrations.Migration):
    dependencies = [("search_index", "0003_city_matters")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
