"""Printed notices (PDF): the acceptance notice (受理通知书), the one-time notice of missing
materials (一次性告知单), the refusal decision (不予受理决定书), and the written notices the
law asks for when the clock changes: a special procedure and how long it takes (特别程序告知书,
art. 45), an approved extension with its reason (延长办理期限告知书, art. 42), and the
revocation of a granted decision (撤销行政许可决定书, art. 69), and the written answer to an
applicant's objection (异议答复书, seed plan 1 退回件: 明确答复,并说明理由).

`issue` is called by the services inside their transaction, after the case rows are written:
it renders the notice's HTML template (templates/cases/notices/) once, prints it with
WeasyPrint and keeps the PDF as a CaseDocument under the schema's cases/ folder, which the
public media view never serves. A notice is printed in Chinese whatever the clerk's language,
with the city's brand, the center's name, address and phones, and a QR code to the public
progress page of the case.
"""

from __future__ import annotations

import base64
import io
import mimetypes

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context

from . import clock
from .models import Case, CaseDocument, CaseMaterial, ClockPause, DocumentKind
from .progress import progress_url
from .states import SPECIAL_PAUSE_KINDS, PauseKind, RefusalKind

TEMPLATES = {
    DocumentKind.ACCEPTANCE_NOTICE: "cases/notices/acceptance_notice.html",
    DocumentKind.SUPPLEMENT_NOTICE: "cases/notices/supplement_notice.html",
    DocumentKind.REFUSAL_DECISION: "cases/notices/refusal_decision.html",
    DocumentKind.SPECIAL_PROCEDURE_NOTICE: "cases/notices/special_procedure_notice.html",
    DocumentKind.EXTENSION_NOTICE: "cases/notices/extension_notice.html",
    DocumentKind.REVOCATION_DECISION: "cases/notices/revocation_decision.html",
    DocumentKind.OBJECTION_ANSWER: "cases/notices/objection_answer.html",
    DocumentKind.RECEIPT_OF_MATERIALS: "cases/notices/materials_receipt.html",
    DocumentKind.JOINT_NOTICE: "cases/notices/joint_notice.html",
    DocumentKind.TOLERANCE_COMMITMENT: "cases/notices/tolerance_commitment.html",
}

TITLES = {
    DocumentKind.ACCEPTANCE_NOTICE: gettext_lazy("受理通知书"),
    DocumentKind.SUPPLEMENT_NOTICE: gettext_lazy("一次性告知单"),
    DocumentKind.REFUSAL_DECISION: gettext_lazy("不予受理决定书"),
    DocumentKind.SPECIAL_PROCEDURE_NOTICE: gettext_lazy("特别程序告知书"),
    DocumentKind.EXTENSION_NOTICE: gettext_lazy("延长办理期限告知书"),
    DocumentKind.REVOCATION_DECISION: gettext_lazy("撤销行政许可决定书"),
    DocumentKind.OBJECTION_ANSWER: gettext_lazy("异议答复书"),
    DocumentKind.RECEIPT_OF_MATERIALS: gettext_lazy("收件回执"),
    DocumentKind.JOINT_NOTICE: gettext_lazy("并联审批告知单"),
    DocumentKind.TOLERANCE_COMMITMENT: gettext_lazy("容缺受理承诺书"),
}

REFUSAL_KIND_TEXT = {
    RefusalKind.OUT_OF_SCOPE: gettext_lazy(
        "该申请事项依法不属于本中心受理范围（不受理/退回），请向有关行政机关申请"
    ),
    RefusalKind.NOT_ACCEPTABLE: gettext_lazy("该申请不符合受理条件（不予受理）"),
}

# The procedure as the law names it (art. 45), for the printed notice.
SPECIAL_KIND_TEXT = {
    PauseKind.HEARING: gettext_lazy("听证"),
    PauseKind.INSPECTION: gettext_lazy("现场核查"),
    PauseKind.TESTING: gettext_lazy("检验、检测"),
    PauseKind.EXPERT_REVIEW: gettext_lazy("专家评审"),
    PauseKind.OTHER_SPECIAL: gettext_lazy("其他依法不计入办理时限的特别程序"),
}

NOTICE_LANGUAGE = "zh-hans"


# --- pieces ------------------------------------------------------------------------------------


def qr_svg(url: str) -> bytes:
    """A QR code of `url` as SVG (vector: sharp when printed, no raster library needed)."""
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=2,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def data_uri(content: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"


def _brand_logo_uri(brand) -> str | None:
    """The brand's logo inlined (the renderer fetches nothing from disk or network)."""
    if not getattr(brand, "logo", None):
        return None
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        try:
            with brand.logo.open("rb") as handle:
                content = handle.read()
        except OSError:
            return None
    content_type = mimetypes.guess_type(brand.logo.name)[0] or "image/png"
    return data_uri(content, content_type)


def person_name(user) -> str:
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}".strip() or user.username


def _window_label(window) -> str:
    if window is None:
        return ""
    return f"{window.number}号窗口（{window.name}）"


def _local_date(value):
    return timezone.localtime(value).date() if value else None


# --- context and HTML ---------------------------------------------------------------------------


def notice_context(case: Case, kind: str, facts: dict | None = None) -> dict:
    """Everything a notice template shows, read once. `facts` are what the issuing service
    knows and the case's rows do not keep (an extension's days, reason and earlier date)."""
    from catalog_cms.standards.selectors import city_brand
    from centers.workspace.models import CenterProfile
    from tenants.selectors import current_center

    center = current_center()
    brand = city_brand()
    profile = CenterProfile.objects.first()
    url = progress_url(center, case.receipt_number)
    context = {
        "kind": kind,
        "title": TITLES[DocumentKind(kind)],
        "brand": brand,
        "logo_uri": _brand_logo_uri(brand),
        "center_name": center.display_name,
        "profile": profile,
        "supervision_phone": (getattr(profile, "supervision_phone", "") or brand.complaint_phone),
        "case": case,
        "window": _window_label(case.window),
        "progress_url": url,
        "qr_uri": data_uri(qr_svg(url), "image/svg+xml"),
    }
    if kind == DocumentKind.ACCEPTANCE_NOTICE:
        context.update(
            received_materials=list(
                case.materials.filter(state=CaseMaterial.State.RECEIVED).order_by("order", "pk")
            ),
            owner_name=person_name(case.owner),
            issued_on=_local_date(case.accepted_at) or timezone.localdate(),
        )
    elif kind == DocumentKind.SUPPLEMENT_NOTICE:
        pause = (
            ClockPause.objects.filter(case=case, kind=PauseKind.SUPPLEMENT)
            .order_by("-start_on", "-pk")
            .first()
        )
        context.update(
            missing=list(
                case.materials.filter(
                    state__in=(CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE)
                ).order_by("order", "pk")
            ),
            clock_started=case.accepted_on is not None,
            issued_on=pause.start_on if pause else timezone.localdate(),
        )
    elif kind == DocumentKind.REFUSAL_DECISION:
        context.update(
            refusal_text=REFUSAL_KIND_TEXT.get(case.refusal_kind, ""),
            issued_on=case.closed_on or timezone.localdate(),
        )
    elif kind == DocumentKind.SPECIAL_PROCEDURE_NOTICE:
        pause = (
            ClockPause.objects.filter(case=case, kind__in=SPECIAL_PAUSE_KINDS)
            .order_by("-start_on", "-pk")
            .first()
        )
        expected_end, expected_provisional = (None, False)
        if pause and pause.expected_days:
            expected_end, expected_provisional = clock.due_date(pause.start_on, pause.expected_days)
        context.update(
            pause=pause,
            special_text=SPECIAL_KIND_TEXT.get(getattr(pause, "kind", ""), ""),
            expected_end=expected_end,
            expected_provisional=expected_provisional,
            issued_on=pause.start_on if pause else timezone.localdate(),
        )
    elif kind == DocumentKind.EXTENSION_NOTICE:
        context.update(issued_on=timezone.localdate())
    elif kind == DocumentKind.TOLERANCE_COMMITMENT:
        context.update(
            tolerated=list(
                case.materials.filter(state=CaseMaterial.State.TOLERATED).order_by("order", "pk")
            ),
            issued_on=_local_date(case.accepted_at) or timezone.localdate(),
        )
    elif kind == DocumentKind.REVOCATION_DECISION:
        context.update(issued_on=_local_date(case.revoked_at) or timezone.localdate())
    elif kind == DocumentKind.RECEIPT_OF_MATERIALS:
        # Issue 15: received and forwarded, never accepted here; the deciding center's
        # acceptance starts the time limit, so the date shown is an estimate.
        from .referrals import deciding_authority

        today = timezone.localdate()
        expected, expected_provisional = clock.due_date(today, case.promised_days)
        context.update(
            received_materials=list(
                case.materials.filter(state=CaseMaterial.State.RECEIVED).order_by("order", "pk")
            ),
            authority=deciding_authority(case) or {},
            expected_end=expected,
            expected_provisional=expected_provisional,
            owner_name=person_name(case.owner),
            issued_on=today,
        )
    elif kind == DocumentKind.JOINT_NOTICE:
        # Seed plan 1 (并联审批制度): each co-department, what it needs, its own time limit.
        context.update(
            lead=case.tasks.filter(is_lead=True).select_related("department").first(),
            co_tasks=list(
                case.tasks.filter(is_lead=False)
                .select_related("department")
                .order_by("department__name")
            ),
            issued_on=_local_date(case.accepted_at) or timezone.localdate(),
        )
    context.update(facts or {})
    return context


def notice_html(case: Case, kind: str, facts: dict | None = None) -> str:
    """The notice as HTML (what the PDF is printed from), always in Chinese."""
    with translation.override(NOTICE_LANGUAGE):
        return render_to_string(TEMPLATES[DocumentKind(kind)], notice_context(case, kind, facts))


def render_pdf(html: str) -> bytes:
    """Print HTML to PDF. Only data: URIs are fetched (images are inlined), so a notice never
    reads a file or opens a connection while it is printed."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",), fail_on_errors=False)
    return HTML(string=html, url_fetcher=fetcher, media_type="print").write_pdf()


# --- issue and read -----------------------------------------------------------------------------


def issue(case: Case, kind: str, facts: dict | None = None) -> CaseDocument:
    """Print the notice of `kind` for `case` and keep it (inside the caller's transaction)."""
    pdf = render_pdf(notice_html(case, kind, facts))
    document = CaseDocument(case=case, kind=kind)
    document.file.save(f"{kind}.pdf", ContentFile(pdf), save=False)
    document.save()
    return document


def download_name(document: CaseDocument) -> str:
    """The name a notice is downloaded under, "<title>-<receipt>.pdf" (the stored name is
    random). The caller checks who may read the case."""
    with translation.override(NOTICE_LANGUAGE):
        title = str(TITLES[DocumentKind(document.kind)])
    return f"{title}-{document.case.receipt_number}.pdf"
