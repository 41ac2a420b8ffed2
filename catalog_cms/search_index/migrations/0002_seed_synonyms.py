"""The first synonyms the city keeps: everyday words residents type for official names."""

from django.db import migrations

SYNONYMS = [
    ("医保", "医疗保险"),
    ("医保", "医疗保障"),
    ("驾照", "机动车驾驶证"),
    ("公积金", "住房公积金"),
    ("社保", "社会保险"),
    ("低保", "最低生活保障"),
    ("户口", "户籍"),
    ("准生证", "生育登记"),
    ("残疾证", "残疾人证"),
    ("老年证", "老年人优待证"),
    ("执照", "营业执照"),
    ("身份证", "居民身份证"),
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("search_index", "Synonym")
    for term, official in SYNONYMS:
        Synonym.objects.get_or_create(term=term, official=official)


class Migration(migrations.Migration):
    dependencies = [("search_index", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
