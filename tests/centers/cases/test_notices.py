"""Printed notices: the HTML each notice is printed from (content), the PDF kept for the case
(a real PDF, stored privately), the QR code's address, and the download helper."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.html import escape
from django_tenants.utils import schema_context

from tests.conftest import host

from .conftest import PERSON_ID, at

pytestmark = pytest.mark.django_db


def _profile():
    from centers.workspace.models import CenterProfile

    return CenterProfile.objects.create(
        name="清水台镇政务服务中心",
        address="沈北新区清水台镇政府路1号",
        phone="024-88001234",
        supervision_phone="024-88009999",
    )


def _intake(desk, *, now, **kwargs):
    from centers.cases import services

    intake = services.Intake(
        matter=kwargs.pop("matter", desk.matter),
        applicant=desk.applicant(),
        window=desk.window,
        owner=desk.clerk,
        **kwargs,
    )
    return services.case_intake(actor=desk.clerk, intake=intake, now=now)


def _accepted(desk, now=None):
    return _intake(desk, now=now or at("2026-03-10"), materials=desk.received())


def _supplement(desk):
    from centers.cases.services import Outcome

    return _intake(
        desk,
        now=at("2026-03-10"),
        outcome=Outcome.SUPPLEMENT,
        materials=[
            {"name": "居民身份证", "state": "missing"},
            {"name": "申请表", "state": "defective", "note": "申请表缺少申请人签名"},
            {"name": "照片", "state": "received", "copies_received": 2},
        ],
    )


def test_acceptance_notice_html_has_every_fact(desk, media_root):
    from centers.cases.notices import notice_html
    from centers.cases.progress import progress_url

    with schema_context(desk.center.schema_name):
        _profile()
        desk.clerk.last_name, desk.clerk.first_name = "王", "小明"
        desk.clerk.save()
        case = _accepted(desk)
        html = notice_html(case, "acceptance_notice")
        url = progress_url(desk.center, case.receipt_number)

    assert "受理通知书" in html
    assert case.receipt_number in html
    assert "张三" in html
    assert PERSON_ID not in html  # only the masked ID is printed
    assert case.applicant_id_masked in html
    assert "事项TS-001" in html
    for material in ("居民身份证", "申请表", "照片"):
        assert material in html
    assert "2026年3月10日" in html  # accepted
    assert f"{case.due_date.year}年{case.due_date.month}月{case.due_date.day}日" in html
    assert "暂定" not in html
    assert "王小明" in html  # the case owner
    assert "1号窗口" in html and "综合窗口" in html
    assert "清水台镇政务服务中心" in html
    assert "沈北新区清水台镇政府路1号" in html
    assert "024-88001234" in html
    assert "024-88009999" in html
    assert "政务服务便民热线：12345" in html
    assert escape(url) in html  # printed under the QR code (& escaped in HTML)


def test_acceptance_notice_says_provisional_calendar(desk, media_root):
    from centers.cases.notices import notice_html

    with schema_context(desk.center.schema_name):
        # Five working days from 2026-12-28 cross into 2027, whose schedule is not official.
        case = _accepted(desk, now=at("2026-12-28"))
        assert case.due_provisional
        html = notice_html(case, "acceptance_notice")
    assert "暂定节假日安排" in html


def test_acceptance_stores_a_real_pdf_privately(desk, media_root, client_for):
    from centers.cases.models import CaseDocument
    from centers.cases.notices import download_name

    with schema_context(desk.center.schema_name):
        case = _accepted(desk)
        document = CaseDocument.objects.get(case=case, kind="acceptance_notice")
        with document.file.open("rb") as handle:
            content = handle.read()
        filename = download_name(document)
        name = document.file.name
        stored = Path(document.file.path)
        event = case.events.get(action="accept")
        assert event.attachments == [
            {"kind": "document", "id": document.pk, "name": document.get_kind_display()}
        ]

    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert len(content) > 10_000  # the fonts' subsets are embedded
    assert filename == f"受理通知书-{case.receipt_number}.pdf"
    # Stored under a random name in the center's private folder, outside MEDIA_ROOT.
    assert case.receipt_number not in name
    assert re.fullmatch(r"cases/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", name)
    assert stored.is_relative_to(Path(settings.PRIVATE_ROOT) / desk.center.schema_name)
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored.read_bytes() == content
    # The public media view never serves case documents, on any domain.
    assert (
        client_for(desk.center).get(f"/media/{desk.center.schema_name}/{name}").status_code == 404
    )


def test_supplement_notice_lists_every_missing_material(desk, media_root):
    from centers.cases.models import CaseDocument
    from centers.cases.notices import notice_html

    with schema_context(desk.center.schema_name):
        case = _supplement(desk)
        assert case.status == "supplementing"
        html = notice_html(case, "supplement_notice")
        document = CaseDocument.objects.get(case=case, kind="supplement_notice")
        with document.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"

    assert "一次性告知单" in html
    assert case.receipt_number in html
    assert "居民身份证" in html
    assert "申请表" in html and "申请表缺少申请人签名" in html
    assert "缺少" in html and "有误" in html
    assert "照片" not in html  # received: not on the notice
    assert "不计入办理时限" in html
    assert "2026年3月10日" in html  # the day the notice is issued


def test_refusal_decision_has_reasons_basis_and_remedies(desk, media_root):
    from centers.cases.models import CaseDocument
    from centers.cases.notices import notice_html
    from centers.cases.services import Outcome

    with schema_context(desk.center.schema_name):
        case = _intake(
            desk,
            now=at("2026-03-11"),
            outcome=Outcome.REFUSE,
            refusal_kind="not_acceptable",
            refusal_reason="申请人不属于本事项的申请对象",
            refusal_basis="《某某条例》第十条",
        )
        html = notice_html(case, "refusal_decision")
        assert CaseDocument.objects.filter(case=case, kind="refusal_decision").count() == 1

    assert "不予受理决定书" in html
    assert case.receipt_number in html
    assert "申请人不属于本事项的申请对象" in html
    assert "《某某条例》第十条" in html
    assert "不符合受理条件" in html
    assert "行政复议" in html and "行政诉讼" in html
    assert "2026年3月11日" in html


def test_notice_escapes_what_the_clerk_typed(desk, media_root):
    from centers.cases.notices import notice_html
    from centers.cases.services import Outcome

    with schema_context(desk.center.schema_name):
        case = _intake(
            desk,
            now=at("2026-03-11"),
            outcome=Outcome.REFUSE,
            refusal_reason='<img src="file:///etc/passwd">',
            refusal_basis="第十条",
        )
        html = notice_html(case, "refusal_decision")
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img" in html


def test_progress_url_is_on_the_centers_own_domain(desk, settings):
    from centers.cases.notices import qr_svg
    from centers.cases.progress import progress_url

    settings.CITY_URL_SCHEME = "https"
    settings.CITY_URL_PORT = 443
    url = progress_url(desk.center, "2026031000001")
    assert url == f"https://{host(desk.center)}/progress/?receipt=2026031000001&via=qr"
    # The QR code is a pure function of the address it encodes.
    assert qr_svg(url) == qr_svg(url)
    assert qr_svg(url) != qr_svg(url.replace("01", "02"))
    assert qr_svg(url).lstrip().startswith(b"<")


def test_notice_embeds_the_qr_code_of_the_progress_url(desk, media_root):
    from centers.cases.notices import data_uri, notice_html, qr_svg
    from centers.cases.progress import progress_url

    with schema_context(desk.center.schema_name):
        case = _accepted(desk)
        html = notice_html(case, "acceptance_notice")
        expected = data_uri(qr_svg(progress_url(desk.center, case.receipt_number)), "image/svg+xml")
    assert expected in html


def test_notice_shows_the_city_brand_logo_inline(desk, media_root):
    import io

    from django.conf import settings
    from django.core.files.base import ContentFile
    from PIL import Image

    from catalog_cms.standards.models import Brand
    from centers.cases.notices import notice_html

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "#b71c1c").save(buffer, "PNG")
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        brand = Brand.load()
        brand.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    with schema_context(desk.center.schema_name):
        html = notice_html(_accepted(desk), "acceptance_notice")
    assert 'src="data:image/png;base64,' in html
    assert "/media/" not in html  # nothing for the renderer to fetch


def test_special_procedure_notice_tells_how_long_in_writing(desk, media_root):
    """Art. 45: the applicant is told in writing what the procedure is and how long it takes;
    the notice is kept with the case, linked from the event, and the applicant gets an SMS."""
    from centers.cases import services
    from centers.cases.models import CaseDocument, Notification
    from centers.cases.notices import notice_html

    with schema_context(desk.center.schema_name):
        case = _accepted(desk, now=at("2026-11-02"))
        services.case_special_start(
            actor=desk.clerk,
            case=case,
            kind="testing",
            reason="需对申请房屋进行结构安全检测",
            expected_days=5,
            now=at("2026-11-04"),
        )
        document = CaseDocument.objects.get(case=case, kind="special_notice")
        with document.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
        event = case.events.get(action="start_special")
        html = notice_html(case, "special_notice")
        sms = Notification.objects.get(event=event).text

    assert event.attachments == [
        {"kind": "document", "id": document.pk, "name": document.get_kind_display()}
    ]
    assert "特别程序告知书" in html
    assert case.receipt_number in html
    assert "第四十五条" in html
    assert "检验、检测" in html
    assert "需对申请房屋进行结构安全检测" in html
    assert "2026年11月4日" in html  # started, and the day of the notice
    assert "预计 5 个工作日" in html
    assert "2026年11月11日" in html  # five working days after Wednesday 4 November
    assert "不计算在办理时限内" in html
    assert PERSON_ID not in html and case.applicant_id_masked in html
    assert "特别程序" in sms and "5个工作日" in sms and case.receipt_number in sms


def test_extension_notice_gives_reason_days_and_both_dates(desk, media_root, monkeypatch):
    """Art. 42: an extension approved by the center's head is told to the applicant with its
    reason; the notice names the earlier and the new promised date."""
    from centers.cases import notices, services
    from centers.cases.models import CaseDocument, Notification

    printed: list[str] = []
    real_render = notices.render_pdf

    def render_and_keep(html):  # the real printer; the HTML it printed kept to read
        printed.append(html)
        return real_render(html)

    with schema_context(desk.center.schema_name):
        desk.director.last_name, desk.director.first_name = "李", "主任"
        desk.director.save()
        case = _accepted(desk, now=at("2026-11-02"))
        before = case.due_date
        monkeypatch.setattr(notices, "render_pdf", render_and_keep)
        services.case_extend(
            actor=desk.director, case=case, days=4, reason="涉及多户，需补充调查",
            approver_name="王局长", approver_post="镇长", now=at("2026-11-05"),
        )  # fmt: skip
        case.refresh_from_db()
        document = CaseDocument.objects.get(case=case, kind="extension_notice")
        with document.file.open("rb") as handle:
            content = handle.read()
        event = case.events.get(action="extend")
        sms = Notification.objects.get(event=event).text

    (html,) = printed
    assert content.startswith(b"%PDF-")
    assert event.attachments[0]["id"] == document.pk
    assert "延长办理期限告知书" in html
    assert "第四十二条" in html
    assert "涉及多户，需补充调查" in html
    assert "4 个工作日" in html
    assert f"{before.year}年{before.month}月{before.day}日" in html
    assert case.due_date != before
    assert f"{case.due_date.year}年{case.due_date.month}月{case.due_date.day}日" in html
    # Art. 42: the approving official's name and post, and in what capacity, not the user.
    assert "王局长（镇长，本行政机关负责人）" in html
    assert "经本行政机关负责人批准" in html
    assert "2026年11月5日" in html
    assert "4个工作日" in sms and case.due_date.isoformat() in sms


def test_special_procedure_without_expected_days_changes_nothing(desk, media_root):
    from django.core.exceptions import ValidationError

    from centers.cases import services

    with schema_context(desk.center.schema_name):
        case = _accepted(desk)
        events = case.events.count()
        with pytest.raises(ValidationError) as err:
            services.case_special_start(
                actor=desk.clerk, case=case, kind="hearing", reason="需听证"
            )
        assert "expected_days" in err.value.message_dict
        assert "第四十五条" in err.value.message_dict["expected_days"][0]
        case.refresh_from_db()
        assert case.status == "accepted"
        assert case.events.count() == events
        assert not case.documents.filter(kind="special_notice").exists()
        assert not case.pauses.exists()


def test_revocation_decision_has_reasons_basis_and_remedies(desk, media_root):
    from centers.cases import services
    from centers.cases.notices import notice_html

    with schema_context(desk.center.schema_name):
        case = _accepted(desk, now=at("2026-11-02"))
        case = services.case_close(
            actor=desk.clerk, case=case, decision="approved", handover="window",
            now=at("2026-11-04"),
        )  # fmt: skip
        services.case_revoke(
            actor=desk.director,
            case=case,
            reason="申请人隐瞒有关情况",
            basis="《中华人民共和国行政许可法》第六十九条第二款",
            now=at("2026-11-20"),
        )
        case.refresh_from_db()
        html = notice_html(case, "revocation_decision")
        with case.documents.get(kind="revocation_decision").file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"

    assert "撤销行政许可决定书" in html
    assert case.receipt_number in html
    assert "申请人隐瞒有关情况" in html
    assert "第六十九条第二款" in html
    assert "2026年11月4日" in html  # the decision revoked
    assert "2026年11月20日" in html  # the revocation
    assert "准予" in html
    assert "行政复议" in html and "行政诉讼" in html
    assert PERSON_ID not in html
