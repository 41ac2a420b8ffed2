"""Cases (办件) in the center's own schema: the case, its materials checklist, scans, printed
documents, clock pauses, joint sub-tasks, fees, and the append-only event log that is its
history. services.py is the only writer; the status fields here are a cache of the events.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityplatform.history import AppendOnlyModel
from cityplatform.pii import EncryptedCharField, LookupHashField, mask_name
from cityplatform.sequences import DailyCounter
from tenants.private_files import get_tenant_private_storage, random_name

from .states import (
    CaseKind,
    CaseStatus,
    Channel,
    Decision,
    Handover,
    PauseKind,
    ProcessCode,
    RefusalKind,
)


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("个人 (person)")
    ORGANISATION = "organisation", _("法人/组织 (organisation)")


class ReceiptCounter(DailyCounter):
    """The last receipt sequence number used on a day."""


class Case(models.Model):
    receipt_number = models.CharField(_("receipt number"), max_length=32, unique=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    matter = models.ForeignKey(
        "catalog.LocalMatter",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("matter"),
    )
    matter_code = models.CharField(_("matter code"), max_length=64)
    matter_name = models.CharField(_("matter name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    urgent = models.BooleanField(_("急办件 (urgent)"), default=False)
    # 急办件 (seed plan 1 六办件: handled first, led by the center): why, who confirmed it (the
    # director or today's duty leader) and the center's internal target date.
    urgent_reason = models.TextField(_("why urgent"), blank=True, db_default="")
    urgent_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("urgent, confirmed by"),
    )
    urgent_target_date = models.DateField(_("internal target date (急办)"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )

    applicant_kind = models.CharField(
        _("applicant kind"), max_length=16, choices=ApplicantKind.choices
    )
    applicant_name = models.CharField(_("applicant"), max_length=100)
    # Encrypted at rest (cityplatform.pii); every lookup and duplicate check goes through the
    # keyed hash beside it, never through the encrypted column.
    applicant_id_number = EncryptedCharField(_("resident ID or unified social credit code"))
    applicant_id_hash = LookupHashField(
        _("lookup hash of the ID number"), source="applicant_id_number"
    )
    applicant_phone = models.CharField(_("applicant phone"), max_length=20)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    window = models.ForeignKey(
        "workspace.Window",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("window"),
    )
    service_point = models.ForeignKey(
        "workspace.ServicePoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("service point"),
    )
    lead_department = models.ForeignKey(
        "workspace.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_cases",
        verbose_name=_("lead department"),
    )
    first_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="first_contact_cases",
        verbose_name=_("首问负责人 (first contact)"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("全程承办人 (case owner)"),
    )

    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # The day the clock counts from (the next working day is day 1).
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    acceptance_deemed = models.BooleanField(
        _("deemed accepted (late one-time notice, art. 32)"), default=False
    )
    legal_days = models.PositiveSmallIntegerField(_("legal limit (working days)"), default=0)
    promised_days = models.PositiveSmallIntegerField(_("promised limit (working days)"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("extension (working days)"), default=0)
    # Art. 42: the most the case may be extended by, the matter's at intake (10, 15 for joint,
    # unified or centralised handling, or what the template sets).
    extension_max_days = models.PositiveSmallIntegerField(
        _("maximum extension (working days)"), default=10, db_default=10
    )
    paused_days = models.PositiveSmallIntegerField(_("paused working days"), default=0)
    due_date = models.DateField(_("promised date"), null=True, blank=True)
    due_provisional = models.BooleanField(_("provisional calendar"), default=False)
    # 两次终结: the applicant's visits to a window, counted by the steps that make one (a
    # window intake, materials brought to a window, a result collected at a window); a cache
    # of the events marked detail["visit"]. An online or village-point case starts at 0.
    visits = models.PositiveSmallIntegerField(_("visits"), default=0)
    # The matter's promised 到现场次数 as of intake (LocalMatter.visits).
    promised_visits = models.PositiveSmallIntegerField(
        _("promised visits (到现场次数)"), default=1, db_default=1
    )

    decision = models.CharField(_("decision"), max_length=24, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    handover = models.CharField(
        _("handed over"), max_length=16, choices=Handover.choices, blank=True
    )
    # Art. 44: a granting decision on a certificate matter, the certificate due within 10
    # working days of the decision; the day it was issued.
    certificate_due_date = models.DateField(_("certificate due"), null=True, blank=True)
    certificate_issued_at = models.DateTimeField(_("certificate issued at"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_late = models.BooleanField(_("closed late"), default=False)
    refusal_kind = models.CharField(
        _("refusal kind"), max_length=16, choices=RefusalKind.choices, blank=True
    )
    refusal_reason = models.TextField(_("refusal reasons"), blank=True)
    refusal_basis = models.TextField(_("legal basis of the refusal"), blank=True)
    # Art. 32(2): a matter outside this center's competence is refused with the authority
    # the applicant should apply to (告知申请人向有关行政机关申请).
    competent_authority = models.CharField(
        _("competent authority (where to apply)"), max_length=200, blank=True, db_default=""
    )
    # 撤销 (art. 69): a granted decision revoked after the case closed; the case stays closed.
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.TextField(_("reasons for the revocation"), blank=True)
    revocation_basis = models.TextField(_("legal basis of the revocation"), blank=True)

    # 上报件: the exchange message and the district's view of it (township side); the township
    # that forwarded it (district side).
    referral_key = models.CharField(
        _("referral key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    remote_center = models.CharField(_("other center"), max_length=63, blank=True)
    remote_receipt_number = models.CharField(_("other center's receipt"), max_length=32, blank=True)
    remote_status = models.CharField(_("other center's status"), max_length=20, blank=True)
    remote_updated_at = models.DateTimeField(_("other side updated at"), null=True, blank=True)
    # The deciding center's dates of a forwarded case: its acceptance starts the legal clock
    # (the township that received it keeps none of its own).
    remote_accepted_on = models.DateField(_("accepted there on"), null=True, blank=True)
    remote_due_date = models.DateField(_("promised date there"), null=True, blank=True)

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when retention (centers.retention) removed the applicant's personal data.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "-received_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # Every list is ordered urgent first, then newest (the keyset of selectors.case_page):
        # each filter the desk offers has an index that yields rows in that order.
        indexes = [
            models.Index(fields=["-urgent", "-received_at", "-id"], name="cases_order_idx"),
            models.Index(
                fields=["status", "-urgent", "-received_at", "-id"], name="cases_status_idx"
            ),
            models.Index(
                fields=["window", "-urgent", "-received_at", "-id"], name="cases_window_idx"
            ),
            models.Index(
                fields=["window", "status", "-urgent", "-received_at", "-id"],
                name="cases_window_status_idx",
            ),
            models.Index(
                fields=["due_date"],
                name="cases_open_due_idx",
                condition=Q(status__in=["accepted", "referred", "referral_decided"]),
            ),
            # The desk opens on the open cases: a small partial index in the list's order.
            models.Index(
                fields=["-urgent", "-received_at", "-id"],
                name="cases_open_order_idx",
                condition=Q(
                    status__in=[
                        "received",
                        "supplementing",
                        "accepted",
                        "special",
                        "referred",
                        "referral_decided",
                    ]
                ),
            ),
            models.Index(fields=["applicant_name"], name="cases_applicant_idx"),
            models.Index(fields=["owner", "status"], name="cases_owner_idx"),
            models.Index(fields=["received_on", "window"], name="cases_day_window_idx"),
            # 办理结果公开 (centers.cases.results): closed cases newest first, all or by matter.
            models.Index(
                fields=["-closed_at", "-id"],
                name="cases_closed_idx",
                condition=Q(status="closed"),
            ),
            models.Index(
                fields=["matter_code", "-closed_at", "-id"],
                name="cases_closed_matter_idx",
                condition=Q(status="closed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.matter_name}"

    @property
    def applicant_name_masked(self) -> str:
        return mask_name(self.applicant_name)

    @property
    def applicant_phone_masked(self) -> str:
        phone = self.applicant_phone
        return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****" + phone[-4:]

    @property
    def applicant_id_masked(self) -> str:
        value = self.applicant_id_number
        return value[:4] + "*" * max(0, len(value) - 8) + value[-4:] if value else ""

    @property
    def is_open(self) -> bool:
        from .states import OPEN_STATUSES

        return self.status in OPEN_STATUSES

    def overdue_on(self, today: datetime.date) -> bool:
        from .states import CLOCK_RUNNING_STATUSES

        return (
            self.status in CLOCK_RUNNING_STATUSES
            and self.due_date is not None
            and self.due_date < today
        )


class CaseMaterial(models.Model):
    """One line of the materials checklist, from the matter, with what was received."""

    class State(models.TextChoices):
        RECEIVED = "received", _("已收 (received)")
        MISSING = "missing", _("缺少 (missing)")
        DEFECTIVE = "defective", _("有误 (defective)")
        NOT_NEEDED = "not_needed", _("不需要 (not needed)")
        # 容缺受理: accepted without it, the applicant promised to bring it by tolerance_due.
        TOLERATED = "tolerated", _("容缺 (to be brought by the promised date)")
        WAIVED = "waived", _("容缺免交 (waived by the director)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("material"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    originals_needed = models.PositiveSmallIntegerField(_("originals needed"), default=1)
    copies_needed = models.PositiveSmallIntegerField(_("copies needed"), default=0)
    originals_received = models.PositiveSmallIntegerField(_("originals received"), default=0)
    copies_received = models.PositiveSmallIntegerField(_("copies received"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    note = models.CharField(_("what is wrong or missing"), max_length=300, blank=True)
    # 容缺: whether the matter's template allows accepting without it, and, once accepted so,
    # the date the applicant promised to bring it (kept after it is brought or waived).
    tolerance_allowed = models.BooleanField(_("容缺 allowed"), default=False, db_default=False)
    tolerance_due = models.DateField(_("容缺: promised by"), null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")

    def __str__(self) -> str:
        return self.name


def _case_file_path(instance, filename: str) -> str:
    """A random name in the center's private folder: nothing in it names the case or the
    applicant (the download still carries the receipt number)."""
    return random_name("cases", filename)


class CaseFile(models.Model):
    """A scan attached to a case (images and PDF only, checked by content)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="files")
    material = models.ForeignKey(
        CaseMaterial, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    file = models.FileField(
        _("file"), upload_to=_case_file_path, storage=get_tenant_private_storage, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("scan")
        verbose_name_plural = _("scans")

    def __str__(self) -> str:
        return self.original_name


class DocumentKind(models.TextChoices):
    ACCEPTANCE_NOTICE = "acceptance_notice", _("受理通知书 (acceptance notice)")
    SUPPLEMENT_NOTICE = "supplement_notice", _("一次性告知单 (one-time notice)")
    REFUSAL_DECISION = "refusal_decision", _("不予受理决定书 (refusal decision)")
    SPECIAL_PROCEDURE_NOTICE = "special_notice", _("特别程序告知书 (special procedure notice)")
    EXTENSION_NOTICE = "extension_notice", _("延长办理期限告知书 (extension notice)")
    REVOCATION_DECISION = "revocation_decision", _("撤销行政许可决定书 (revocation decision)")
    OBJECTION_ANSWER = "objection_answer", _("异议答复书 (answer to an objection)")
    RECEIPT_OF_MATERIALS = "materials_receipt", _("收件回执 (receipt of materials, forwarded)")
    JOINT_NOTICE = "joint_notice", _("并联审批告知单 (joint approval notice)")
    TOLERANCE_COMMITMENT = "tolerance_commitment", _("容缺受理承诺书 (容缺 commitment)")


class CaseDocument(models.Model):
    """A printed notice (PDF) issued for a case; kept as issued, never regenerated."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(
        _("file"), upload_to=_case_file_path, storage=get_tenant_private_storage, max_length=300
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case.receipt_number}"


class ClockPause(models.Model):
    """A period the promised-date clock does not run: 补正 or a special procedure (art. 45).
    The working days after `start_on` up to and including `end_on` are not counted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("kind"), max_length=16, choices=PauseKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    expected_days = models.PositiveSmallIntegerField(
        _("expected working days (told to the applicant)"), null=True, blank=True
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("to"), null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(_("paused working days"), default=0)

    class Meta:
        ordering = ["start_on", "pk"]
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(end_on__isnull=True), name="cases_one_open_pause"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_on}–{self.end_on or ''}"


class CaseTask(models.Model):
    """A joint case's sub-task for one department (联办件: parallel review, one sign-off each)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    department = models.ForeignKey(
        "workspace.Department", on_delete=models.PROTECT, related_name="case_tasks"
    )
    is_lead = models.BooleanField(_("lead department"), default=False)
    # Seed plan 1 (并联审批告知单): what the department needs from the applicant and its own
    # time limit within the case's term, in working days from acceptance.
    needs = models.CharField(_("what it needs"), max_length=500, blank=True, db_default="")
    days = models.PositiveSmallIntegerField(_("its working days"), null=True, blank=True)
    due_date = models.DateField(_("its due date"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opinion = models.TextField(_("opinion"), blank=True)

    class Meta:
        ordering = ["-is_lead", "department__name"]
        verbose_name = _("department task")
        verbose_name_plural = _("department tasks")
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="cases_task_once")
        ]

    def __str__(self) -> str:
        return str(self.department)


class CaseFee(models.Model):
    """A fee item of a case (统一收费), from the matter's fee standard."""

    class State(models.TextChoices):
        UNPAID = "unpaid", _("未缴 (unpaid)")
        PAID = "paid", _("已缴 (paid)")
        WAIVED = "waived", _("减免 (waived)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="fees")
    item = models.CharField(_("fee item"), max_length=200)
    basis = models.TextField(_("fee basis"), blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default="unpaid")
    window = models.ForeignKey(
        "workspace.Window", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True, db_index=True)
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    waiver_reason = models.CharField(_("waiver reason"), max_length=300, blank=True)
    waiver_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # 减免 (seed plan 3, 统一收费): the policy it rests on, who had the authority under the
    # city's case policy, and the official who approved it (name and post). Where the district
    # or the city approves, its approval document is referenced; the director records it.
    waiver_basis_document = models.CharField(
        _("policy document number (文号)"), max_length=100, blank=True
    )
    waiver_basis_article = models.CharField(_("article"), max_length=100, blank=True)
    waiver_authority = models.CharField(_("approving authority"), max_length=16, blank=True)
    waiver_approver_name = models.CharField(_("approved by (name)"), max_length=100, blank=True)
    waiver_approver_post = models.CharField(_("approved by (post)"), max_length=100, blank=True)
    waiver_approval_reference = models.CharField(
        _("approval document (district or city)"), max_length=100, blank=True
    )
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"


class CaseObjection(models.Model):
    """The applicant's objection (异议) to a refusal (不予受理) or a denial (不予批准), and the
    case owner's written answer with reasons (seed plan 1, 退回件: 如行政相对人对办理结果提出
    异议,承办人应明确答复,并说明理由). Recorded at the window or filed online from the
    progress page; answered within the working days the city sets (`due_on`, official
    calendar). One objection waits at a time."""

    class Channel(models.TextChoices):
        WINDOW = "window", _("窗口 (at a window)")
        ONLINE = "online", _("网上 (online, from the progress page)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    text = models.TextField(_("the objection"))
    filed_at = models.DateTimeField(_("filed at"))
    filed_on = models.DateField(_("filed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("answer due"))
    due_provisional = models.BooleanField(_("provisional calendar"), default=False)
    answer = models.TextField(_("answer"), blank=True)
    answer_reasons = models.TextField(_("reasons of the answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_late = models.BooleanField(_("answered late"), default=False)

    class Meta:
        ordering = ["filed_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(answered_at__isnull=True),
                name="cases_one_open_objection",
            )
        ]
        indexes = [
            # Supervision: the few objections still unanswered, by their due date.
            models.Index(
                fields=["due_on"],
                name="cases_objection_open_idx",
                condition=Q(answered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.receipt_number} {self.filed_on}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class CaseEvent(AppendOnlyModel):
    """One step in a case's history: append-only (cityplatform.history: PostgreSQL
    itself refuses an UPDATE or DELETE of a row, whoever asks)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150)
    action = models.CharField(_("step"), max_length=32)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    process_code = models.PositiveSmallIntegerField(
        _("办理状态 code"), choices=ProcessCode.choices, null=True, blank=True
    )
    reason = models.TextField(_("why"), blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    # [{"kind": "file"|"document", "id": pk, "name": ...}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [
            models.Index(fields=["case", "at"], name="cases_event_case_idx"),
            # The ledger's day counts, the fee report and the history export read by day.
            models.Index(fields=["at"], name="cases_event_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Notification(models.Model):
    """An SMS to the applicant for one event; unique per event, so it is never sent twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="notification")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notifications")
    phone = models.CharField(_("phone"), max_length=20)
    text = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default="pending")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    # Set when retention (centers.retention) removed the phone number and the text.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.case.receipt_number} {self.state}"


class ApprovalRequest(models.Model):
    """A step only the director may approve, asked for by the clerk who has the applicant at
    the window: a visit beyond two (两次终结) or a fee waiver (减免). The director approves
    (the step is then taken in the director's name) or declines, with a note; both the request
    and the decision are events of the case. One request of a kind (and fee) waits at a time."""

    class Kind(models.TextChoices):
        FURTHER_VISIT = "further_visit", _("再次到场 (a visit beyond two, 两次终结)")
        FEE_WAIVER = "fee_waiver", _("减免 (fee waiver)")
        URGENT = "urgent", _("急办 (handle as urgent)")
        SECOND_SUPPLEMENT = "second_supplement", _("二次补正 (a second one-time notice)")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批 (waiting)")
        APPROVED = "approved", _("已批准 (approved)")
        DECLINED = "declined", _("未批准 (declined)")
        LAPSED = "lapsed", _("已失效 (lapsed: nothing left to approve)")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approval_requests")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    fee = models.ForeignKey(
        CaseFee, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    # What the approved step takes: a second one-time notice's material lines.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="pending")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        constraints = [
            # A double click, or two clerks at once, leave one request waiting.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(state="pending", fee__isnull=True),
                name="cases_approval_one_pending",
            ),
            models.UniqueConstraint(
                fields=["case", "kind", "fee"],
                condition=Q(state="pending", fee__isnull=False),
                name="cases_approval_one_pending_fee",
            ),
        ]
        indexes = [
            # The director's queue: the few requests still waiting, oldest first.
            models.Index(
                fields=["requested_at"],
                name="cases_approval_pending_idx",
                condition=Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.receipt_number} {self.get_kind_display()}"
