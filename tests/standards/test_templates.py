import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog_cms.standards.models import MatterCategory, MatterMaterial, MatterTemplate
from catalog_cms.standards.selectors import matter_data, published_templates
from catalog_cms.standards.services import matter_template_publish, matter_templates_import
from catalog_cms.standards.tabular import export_catalog, parse_catalog_file

from .factories import csv_bytes, row

pytestmark = pytest.mark.django_db


def test_vocabularies_and_standards_are_seeded():
    from catalog_cms.standards.models import CenterStandard, LifeEvent

    assert MatterCategory.objects.count() == 34
    assert LifeEvent.objects.filter(name="身后事").exists()
    assert CenterStandard.objects.get(kind="township").min_floor_area_m2 == 200
    assert CenterStandard.objects.get(kind="street").min_floor_area_m2 == 150


def test_template_cannot_be_published_with_an_empty_element_or_no_materials(city):
    template = MatterTemplate(
        name="生育登记", code="QST-WJ-001", category=MatterCategory.objects.get(name="卫健/计生")
    )
    with pytest.raises(ValidationError) as exc:
        matter_template_publish(template=template, actor="test")
    errors = exc.value.message_dict
    assert {"handling_body", "legal_basis", "supervision", "materials"} <= set(errors)
    assert not MatterTemplate.objects.filter(live=True, code="QST-WJ-001").exists()
    for name in ("handling_body", "legal_basis", "conditions", "procedure", "time_limit_text",
                 "result", "fee_basis", "fee_standard", "supervision"):  # fmt: skip
        setattr(template, name, "x")
    with pytest.raises(ValidationError) as exc:
        matter_template_publish(template=template, actor="test")
    assert set(exc.value.message_dict) == {"materials"}
    template.materials = [MatterMaterial(name="身份证", originals=1, copies=1)]
    matter_template_publish(template=template, actor="test")
    template.refresh_from_db()
    assert template.live and template.published_version == 1 and template.live_revision_id


def test_promised_limit_above_legal_is_refused(city):
    template = MatterTemplate(
        name="x", code="A-1", category=MatterCategory.objects.first(), legal_days=5,
        promised_days=7,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert "promised_days" in exc.value.message_dict


def test_import_publishes_and_reimport_changes_nothing(city):
    content = csv_bytes([row(), row(code="511A0138000000", name="生育登记", 事项类别="卫健/计生")])
    summary = matter_templates_import(content=content, filename="a.csv", actor="test")
    assert sorted(summary.created) == ["511A0138000000", "QST-MZ-001"]
    template = MatterTemplate.objects.get(code="QST-MZ-001")
    assert template.live and template.published_version == 1
    assert [m.name for m in template.materials.all()] == ["申请书", "户口簿"]
    revisions = template.revisions.count()
    again = matter_templates_import(content=content, filename="a.csv", actor="test")
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 2
    assert template.revisions.count() == revisions
    changed = csv_bytes([row(办理结果="低保证")])
    summary = matter_templates_import(content=changed, filename="a.csv", actor="test")
    assert summary.updated == ["QST-MZ-001"]
    template.refresh_from_db()
    assert template.result == "低保证" and template.published_version == 2


def test_bad_rows_are_each_reported_and_nothing_is_saved(city):
    content = csv_bytes(
        [
            row(),
            row(code="bad code!"),
            row(code="B-2", 承诺时限="40"),
            row(code="B-3", 事项类别="不存在"),
            row(code="B-4", 办理方式="快办"),
            row(code="B-5", 申报材料="申请书,1,0"),
            row(code="B-6", 权限层级="省"),
        ]
    )
    parsed = parse_catalog_file(content, "x.csv")
    where = {(e.row, e.column) for e in parsed.errors}
    assert where == {(3, "事项编码"), (4, "承诺时限"), (5, "事项类别"), (6, "办理方式"),
                     (7, "申报材料"), (8, "权限层级")}  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        matter_templates_import(content=content, filename="x.csv", actor="test")
    assert any("Row 3" in m or "第" in m for m in exc.value.messages)
    assert not MatterTemplate.objects.exists()


def test_export_reimports_unchanged_in_xlsx_and_csv_with_line_breaks(city):
    matter_templates_import(content=csv_bytes([row()], bom=True), filename="a.csv", actor="test")
    items = [matter_data(t) for t in published_templates()]
    for fmt in ("xlsx", "csv"):
        content = export_catalog(items, fmt)
        parsed = parse_catalog_file(content, f"e.{fmt}")
        assert parsed.ok, parsed.errors
        assert parsed.rows[0]["procedure"] == "1.申请\n2.乡镇初审\n3.区县审批"
        summary = matter_templates_import(content=content, filename=f"e.{fmt}", actor="test")
        assert summary.unchanged == ["QST-MZ-001"], fmt


def test_the_competent_authority_travels_in_the_catalog_file(city):
    """行政许可法 art. 32(2): the authority an applicant is sent to when a matter is outside a
    center's competence is the optional column 有权受理机关: read into the template, written
    back by the export, too long a name is the row's error."""
    content = csv_bytes([row(有权受理机关="沈北新区民政局")])
    matter_templates_import(content=content, filename="a.csv", actor="test")
    template = MatterTemplate.objects.get(code="QST-MZ-001")
    assert template.competent_authority == "沈北新区民政局"
    exported = export_catalog([matter_data(t) for t in published_templates()], "csv")
    assert parse_catalog_file(exported, "e.csv").rows[0]["competent_authority"] == "沈北新区民政局"
    summary = matter_templates_import(content=exported, filename="e.csv", actor="test")
    assert summary.unchanged == ["QST-MZ-001"]
    parsed = parse_catalog_file(csv_bytes([row(有权受理机关="局" * 201)]), "b.csv")
    assert [(e.row, e.column) for e in parsed.errors] == [(2, "有权受理机关")]


def test_command_loads_templates_and_fails_on_bad_file(city, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row()]))
    call_command("import_catalog", str(good))
    assert MatterTemplate.objects.get(code="QST-MZ-001").live
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row(code="X-1", 承诺时限="99")]))
    with pytest.raises(CommandError):
        call_command("import_catalog", str(bad))
    assert "承诺时限" in capsys.readouterr().err
    assert not MatterTemplate.objects.filter(code="X-1").exists()


def test_matter_templates_go_through_the_moderation_workflow(db):
    from catalog_cms.standards.models import MatterTemplate

    assert MatterTemplate().get_workflow() is not None


def test_materials_keep_the_files_order_so_a_reimport_changes_nothing(city):
    # Not in name order: before sort_order was kept, the stored order followed the names
    # and the same file read back looked changed.
    materials = "甲材料|1|0|必需\n乙材料|1|1|必需\n丙材料|0|1|可选"
    content = csv_bytes([row(申报材料=materials)])
    matter_templates_import(content=content, filename="a.csv", actor="test")
    template = MatterTemplate.objects.get(code="QST-MZ-001")
    assert [(m.sort_order, m.name) for m in template.materials.all()] == [
        (0, "甲材料"), (1, "乙材料"), (2, "丙材料"),
    ]  # fmt: skip
    again = matter_templates_import(content=content, filename="a.csv", actor="test")
    assert again.unchanged == ["QST-MZ-001"] and not again.updated
