"""Input and output shapes of the case API. Inputs only parse types: every domain rule (the
applicant's ID checksum, the matter's materials, which step a state allows, who may take it)
is checked by services.py, so the desk and the API refuse the same things with the same
messages."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from centers.workspace.api.serializers import UserRefSerializer
from centers.workspace.models import Department, ServicePoint, Window

from ..access import DESK_ONLY_ACTIONS, case_actions_for
from ..models import (
    ApplicantKind,
    ApprovalRequest,
    Case,
    CaseDocument,
    CaseEvent,
    CaseFee,
    CaseFile,
    CaseMaterial,
    CaseObjection,
    CaseTask,
    ClockPause,
)
from ..services import Outcome
from ..states import (
    SPECIAL_PAUSE_KINDS,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    Handover,
    PauseKind,
    RefusalKind,
)

# The API's name for each step of states.TRANSITIONS a person takes on an existing case.
# Each step of `access.case_actions_for` by the path of its API view (cases/<receipt>/<path>/).
ACTION_PATHS = {
    "accept": "accept",
    "refer_up": "refer-up",
    "request_supplement": "supplement",
    "complete_supplement": "complete-supplement",
    "refuse": "refuse",
    "start_special": "special-start",
    "end_special": "special-end",
    "extend": "extend",
    "reassign": "reassign",
    "record_visit": "visit",
    "close": "close",
    "withdraw": "withdraw",
    "revoke": "revoke",
    "mark_urgent": "urgent",
    "issue_certificate": "certificate",
    "tolerance_receive": "tolerance-receive",
    "tolerance_waive": "tolerance-waive",
    "task_sign_off": "tasks/{id}/sign-off",
    "object": "objection",
    "answer_objection": "objection/answer",
    "request_approval": "approvals",
    "decide_approval": "approvals/{id}/decide",
}

MAX_PAGE_SIZE = 200


# --- calendar ---------------------------------------------------------------------------------

# The calendar counts within the years its lunar tables cover.
CALENDAR_FIRST_DAY = datetime.date(1900, 1, 1)
CALENDAR_LAST_DAY = datetime.date(2099, 12, 31)
MAX_WORKING_DAYS = 365


class DueDateQuerySerializer(serializers.Serializer):
    start = serializers.CharField(help_text=gettext_lazy("YYYY-MM-DD"))
    working_days = serializers.CharField(
        help_text=gettext_lazy("A whole number from 0 to 365 (0: start itself if working).")
    )

    def validate_start(self, value: str) -> datetime.date:
        try:
            day = datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise serializers.ValidationError(
                _("“%(value)s” is not a date: give start as YYYY-MM-DD.") % {"value": value}
            ) from None
        if len(value.strip()) != 10:
            raise serializers.ValidationError(_("Give start as YYYY-MM-DD."))
        if not CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY:
            raise serializers.ValidationError(
                _("start must be between %(first)s and %(last)s.")
                % {"first": CALENDAR_FIRST_DAY, "last": CALENDAR_LAST_DAY}
            )
        return day

    def validate_working_days(self, value: str) -> int:
        text = value.strip()
        if text.startswith("-") and text[1:].isdigit():
            raise serializers.ValidationError(_("working_days cannot be negative."))
        if not text.isdigit() or not text.isascii():
            raise serializers.ValidationError(
                _("working_days must be a whole number, not “%(value)s”.") % {"value": value}
            )
        number = int(text)
        if number > MAX_WORKING_DAYS:
            raise serializers.ValidationError(
                _("working_days may be at most %(max)d.") % {"max": MAX_WORKING_DAYS}
            )
        return number


class DueDateSerializer(serializers.Serializer):
    start = serializers.DateField()
    working_days = serializers.IntegerField()
    due = serializers.DateField()
    provisional = serializers.BooleanField(
        help_text=gettext_lazy(
            "True when a day counted lies in a year whose official schedule is not known yet."
        )
    )


# --- reading cases ----------------------------------------------------------------------------


class CaseQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[("open", gettext_lazy("open (not finished)")), *CaseStatus.choices],
        required=False,
    )
    window = serializers.IntegerField(required=False, min_value=1)
    overdue = serializers.BooleanField(required=False, default=False)
    urgent = serializers.BooleanField(required=False, default=False)
    approval_waiting = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Only cases with a request waiting for the director's approval."),
    )
    mine = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Cases I own, and those of absent A holders whose B post I hold."),
    )
    matter = serializers.CharField(required=False, max_length=64)
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text=gettext_lazy("A receipt number (prefix) or the applicant's full name."),
    )
    cursor = serializers.CharField(required=False, max_length=100)
    page_size = serializers.IntegerField(
        required=False, default=50, min_value=1, max_value=MAX_PAGE_SIZE
    )


class MatterRefSerializer(serializers.Serializer):
    code = serializers.CharField(source="matter_code")
    name = serializers.CharField(source="matter_name")


class _DeadlineMixin(serializers.Serializer):
    """Fields from selectors.Deadline, passed in the context as {"deadlines": {pk: Deadline}}."""

    remaining_working_days = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    def _deadline(self, case: Case):
        return self.context["deadlines"][case.pk]

    def get_remaining_working_days(self, case: Case) -> int | None:
        return self._deadline(case).remaining

    def get_overdue(self, case: Case) -> bool:
        return self._deadline(case).overdue


class CaseItemSerializer(_DeadlineMixin, serializers.ModelSerializer):
    matter = MatterRefSerializer(source="*")
    kind = serializers.CharField()
    status = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    applicant = serializers.CharField(
        source="applicant_name_masked", help_text=gettext_lazy("masked name")
    )
    owner = UserRefSerializer(allow_null=True)
    provisional = serializers.BooleanField(source="due_provisional")

    class Meta:
        model = Case
        fields = [
            "receipt_number", "matter", "kind", "kind_label", "urgent", "status",
            "status_label", "applicant", "owner", "received_at", "due_date", "provisional",
            "remaining_working_days", "overdue",
        ]  # fmt: skip


class CasePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = CaseItemSerializer(many=True)


class MaterialSerializer(serializers.ModelSerializer):
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = CaseMaterial
        fields = [
            "name", "required", "originals_needed", "copies_needed", "originals_received",
            "copies_received", "state", "state_label", "note", "tolerance_allowed",
            "tolerance_due",
        ]  # fmt: skip


class ScanSerializer(serializers.ModelSerializer):
    material = serializers.CharField(source="material.name", allow_null=True, default=None)

    class Meta:
        model = CaseFile
        fields = ["id", "original_name", "content_type", "size", "material", "uploaded_at"]


class TaskSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name")
    signed_off_by = UserRefSerializer(allow_null=True)
    late = serializers.SerializerMethodField(
        help_text=gettext_lazy("Not signed off after its own due date (seed plan 1).")
    )

    class Meta:
        model = CaseTask
        fields = [
            "id", "department", "is_lead", "needs", "days", "due_date", "late",
            "signed_off_at", "signed_off_by", "opinion",
        ]  # fmt: skip

    def get_late(self, task: CaseTask) -> bool:
        from ..clock import local_today

        return (
            task.signed_off_at is None
            and task.due_date is not None
            and task.due_date < local_today()
            and task.case.is_open
        )


class PauseSerializer(serializers.ModelSerializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = ClockPause
        fields = [
            "kind", "kind_label", "reason", "expected_days", "start_on", "end_on", "paused_days",
        ]  # fmt: skip


class FeeSerializer(serializers.ModelSerializer):
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = CaseFee
        fields = [
            "id", "item", "basis", "amount", "state", "state_label", "paid_at",
            "payment_reference", "waiver_reason", "waived_at", "waiver_authority",
            "waiver_basis_document", "waiver_basis_article", "waiver_approver_name",
            "waiver_approver_post", "waiver_approval_reference",
        ]  # fmt: skip


class ObjectionSerializer(serializers.ModelSerializer):
    """An objection (异议) to a refusal or a denial and its written answer (seed plan 1)."""

    channel = serializers.CharField()
    channel_label = serializers.CharField(source="get_channel_display")
    recorded_by = UserRefSerializer(allow_null=True)
    answered_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = CaseObjection
        fields = [
            "id", "channel", "channel_label", "text", "filed_at", "recorded_by", "due_on",
            "due_provisional", "answer", "answer_reasons", "answered_at", "answered_by",
            "answered_late",
        ]  # fmt: skip


class ApprovalRequestOutSerializer(serializers.ModelSerializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    requested_by = UserRefSerializer()
    decided_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id", "kind", "kind_label", "fee", "reason", "requested_by", "requested_at",
            "state", "state_label", "decided_by", "decided_at", "decision_note",
        ]  # fmt: skip


class DocumentSerializer(serializers.ModelSerializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = CaseDocument
        fields = ["id", "kind", "kind_label", "issued_at"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")
    process_name = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "at", "action", "from_status", "to_status", "process_code", "process_name",
            "actor", "reason", "detail", "attachments",
        ]  # fmt: skip

    def get_process_name(self, event: CaseEvent) -> str | None:
        return event.get_process_code_display() if event.process_code is not None else None


class ProcessEventSerializer(serializers.Serializer):
    """One step in the provincial exchange's form (办理过程)."""

    receipt_number = serializers.CharField(source="case.receipt_number")
    process_code = serializers.IntegerField()
    process_name = serializers.CharField(source="get_process_code_display")
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_name")
    note = serializers.CharField(source="reason")


class ClosureRiskSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField()


class CaseDetailSerializer(CaseItemSerializer):
    channel = serializers.CharField()
    decision = serializers.CharField()
    handover = serializers.CharField()
    refusal_kind = serializers.CharField()
    channel_label = serializers.CharField(source="get_channel_display")
    applicant = serializers.SerializerMethodField()
    window = serializers.CharField(source="window.name", allow_null=True, default=None)
    service_point = serializers.CharField(
        source="service_point.name", allow_null=True, default=None
    )
    lead_department = serializers.CharField(
        source="lead_department.name", allow_null=True, default=None
    )
    first_contact = UserRefSerializer(allow_null=True)
    paused = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    materials = MaterialSerializer(many=True)
    scans = ScanSerializer(many=True, source="files")
    tasks = TaskSerializer(many=True)
    pauses = PauseSerializer(many=True)
    fees = FeeSerializer(many=True)
    approval_requests = ApprovalRequestOutSerializer(many=True)
    documents = DocumentSerializer(many=True)
    objections = ObjectionSerializer(many=True)
    handover_refusal = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    closures_in_term = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The center's closures inside the case's term: a risk to the date, which they "
            "never move (行政许可法 art. 82). Read-only."
        )
    )
    tolerance_pending = serializers.SerializerMethodField()
    close_decisions = serializers.SerializerMethodField()

    class Meta(CaseItemSerializer.Meta):
        fields = [
            *CaseItemSerializer.Meta.fields, "channel", "channel_label", "window",
            "service_point", "lead_department", "first_contact", "accepted_at", "accepted_on",
            "acceptance_deemed", "legal_days", "promised_days", "extension_days", "paused_days",
            "paused", "visits", "decision", "decision_note", "handover", "handed_over_at",
            "closed_at", "closed_late", "refusal_kind", "refusal_reason", "refusal_basis",
            "revoked_at", "revocation_reason", "revocation_basis", "extension_max_days",
            "certificate_due_date", "certificate_issued_at", "urgent_reason",
            "urgent_target_date", "competent_authority", "remote_accepted_on",
            "remote_due_date", "remote_center",
            "remote_receipt_number", "remote_status", "actions", "materials",
            "scans", "tasks", "pauses", "fees", "approval_requests", "documents", "objections",
            "handover_refusal", "closures_in_term", "events", "promised_visits",
            "tolerance_pending", "close_decisions",
        ]  # fmt: skip

    def get_tolerance_pending(self, case: Case) -> list[dict]:
        """容缺: the materials accepted to come later and not in yet, with their dates."""
        from ..selectors import tolerance_pending

        return [
            {"name": m.name, "due": m.tolerance_due.isoformat()} for m in tolerance_pending(case)
        ]

    def get_close_decisions(self, case: Case) -> list[str]:
        """The decisions the case may close with now (容缺: 容缺通过 only once all are in)."""
        from ..selectors import close_decisions

        return close_decisions(case)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                k: {"type": "string"}
                for k in ("kind", "name", "id_number", "phone", "contact_name", "address")
            },
        }
    )
    def get_applicant(self, case: Case) -> dict:
        """The ID number and phone masked: the full values come only from the audited
        POST cases/<receipt>/personal-data/."""
        return {
            "kind": case.applicant_kind,
            "name": case.applicant_name,
            "id_number": case.applicant_id_masked,
            "phone": case.applicant_phone_masked,
            "contact_name": case.contact_name,
            "address": case.address,
        }

    @extend_schema_field(ClosureRiskSerializer(many=True))
    def get_closures_in_term(self, case: Case) -> list[dict]:
        from ..selectors import closures_in_term

        return ClosureRiskSerializer(closures_in_term(case), many=True).data

    def get_handover_refusal(self, case: Case) -> str | None:
        """Why the result may not be handed over now (统一收费: a fee unpaid and not waived),
        or null; a denial is exempt (`selectors.handover_refusal`)."""
        from ..selectors import handover_refusal
        from ..states import TRANSITIONS

        if case.status not in TRANSITIONS["close"].sources:
            return None
        return handover_refusal(case)

    def get_paused(self, case: Case) -> bool:
        return self._deadline(case).paused

    def get_actions(self, case: Case) -> list[str]:
        """The API steps the requesting user may take on the case now (a department's
        sign-off only while a part is left that they may sign; a revocation only of a
        decision that may be revoked; forwarding only a 上报件; asking the director for
        approval while something may be asked, and the director's decision while a request
        waits): `access.case_actions_for`, the desk's offer too, by their paths."""
        offer = case_actions_for(self.context["request"].user, case)
        return [ACTION_PATHS[name] for name in offer.names if name not in DESK_ONLY_ACTIONS]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, case: Case):
        from ..selectors import case_history

        return EventSerializer(case_history(case), many=True).data


class PersonalDataSerializer(serializers.Serializer):
    receipt_number = serializers.CharField()
    id_number = serializers.CharField(help_text=gettext_lazy("in full"))
    phone = serializers.CharField(help_text=gettext_lazy("in full"))


# --- writing ----------------------------------------------------------------------------------


class MaterialLineSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    state = serializers.ChoiceField(choices=CaseMaterial.State.choices, required=False)
    originals_received = serializers.IntegerField(required=False, min_value=0, max_value=99)
    copies_received = serializers.IntegerField(required=False, min_value=0, max_value=99)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


@extend_schema_field(MaterialLineSerializer(many=True))
class MaterialsField(serializers.JSONField):
    """A list of material lines: JSON in a JSON body, a JSON string in a multipart form."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        lines = MaterialLineSerializer(data=value, many=True)
        if not isinstance(value, list) or not lines.is_valid():
            errors = lines.errors if isinstance(value, list) else None
            raise serializers.ValidationError(
                errors or [_("Give the materials as a list of {name, state, …} objects.")]
            )
        return [dict(line) for line in lines.validated_data]


def _text(max_length: int = 2000) -> serializers.CharField:
    """Optional free text: an empty one reaches the service, which says what it needs."""
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length
    )


class DepartmentTermSerializer(serializers.Serializer):
    department = serializers.IntegerField(min_value=1)
    needs = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=365)


@extend_schema_field(DepartmentTermSerializer(many=True))
class DepartmentTermsField(serializers.JSONField):
    """联办件 (seed plan 1, 并联审批告知单): [{department, needs, days}] per co-department, JSON
    (or a JSON string in a multipart form); parsed to {department pk: {needs, days}}."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        lines = DepartmentTermSerializer(data=value, many=True)
        if not isinstance(value, list) or not lines.is_valid():
            errors = lines.errors if isinstance(value, list) else None
            raise serializers.ValidationError(
                errors or [_("Give the terms as a list of {department, needs, days} objects.")]
            )
        return {line["department"]: dict(line) for line in lines.validated_data}


def _terms_field():
    return DepartmentTermsField(
        required=False,
        default=dict,
        help_text=gettext_lazy(
            "Per co-department of a joint case: what it needs and its working days within the "
            "case's term (default: the whole term)."
        ),
    )


class _FilesMixin(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        help_text=gettext_lazy("Scans (PDF or images), multipart only."),
    )
    file_materials = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        default=list,
        help_text=gettext_lazy("For each file in order, the material it shows (optional)."),
    )

    def uploads(self) -> list[tuple]:
        files = self.validated_data.get("files") or []
        names = list(self.validated_data.get("file_materials") or [])
        names += [""] * (len(files) - len(names))
        return list(zip(files, names, strict=False))


class IntakeSerializer(_FilesMixin, serializers.Serializer):
    matter = serializers.CharField(max_length=64, help_text=gettext_lazy("the matter's code"))
    applicant_kind = serializers.ChoiceField(
        choices=ApplicantKind.choices, default=ApplicantKind.PERSON
    )
    applicant_name = serializers.CharField(max_length=100)
    applicant_id_number = serializers.CharField(
        max_length=30,
        help_text=gettext_lazy("Resident ID (person) or unified social credit code."),
    )
    applicant_phone = serializers.CharField(max_length=20)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    channel = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in Channel if c != Channel.REFERRAL], required=False
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.ALL,
        required=False,
        help_text=gettext_lazy(
            "accept: 受理; for a matter decided above a township center it means receive and "
            "forward (收件回执, the case goes to the district, which accepts it)."
        ),
    )
    materials = MaterialsField(required=False, default=list)
    first_contact = serializers.IntegerField(required=False, allow_null=True)
    owner = serializers.IntegerField(required=False, allow_null=True)
    window = serializers.PrimaryKeyRelatedField(
        queryset=Window.objects.all(), required=False, allow_null=True
    )
    service_point = serializers.PrimaryKeyRelatedField(
        queryset=ServicePoint.objects.all(), required=False, allow_null=True
    )
    lead_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, required=False, default=list
    )
    urgent = serializers.BooleanField(required=False, default=False)
    urgent_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text=gettext_lazy(
            "Required with urgent (急办): why. The director or today's duty leader marks it at "
            "once; anyone else's request waits in the director's approval queue."
        ),
    )
    promised_date = serializers.DateField(required=False, allow_null=True)
    refusal_kind = serializers.ChoiceField(
        choices=RefusalKind.choices, default=RefusalKind.NOT_ACCEPTABLE
    )
    refusal_reason = _text(2000)
    refusal_basis = _text(2000)
    competent_authority = _text(200)
    department_terms = _terms_field()
    note = _text(2000)
    tolerance = serializers.ListField(
        child=serializers.DictField(), required=False, default=list,
        help_text=gettext_lazy("容缺 at acceptance: [{name, due: YYYY-MM-DD}]."),
    )  # fmt: skip
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=gettext_lazy("Or the Idempotency-Key header: a repeat returns the first case."),
    )

    def validate_matter(self, code: str):
        from django.core.exceptions import ValidationError as DjangoValidationError

        from ..services import matter_for_intake

        try:
            return matter_for_intake(code)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["matter"]) from None


class _HandlingMixin(serializers.Serializer):
    owner = serializers.IntegerField(required=False, allow_null=True)
    lead_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, required=False, default=list
    )


class ToleranceLineSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    due = serializers.DateField()


class AcceptSerializer(_HandlingMixin):
    department_terms = _terms_field()
    promised_date = serializers.DateField(required=False, allow_null=True)
    tolerance = ToleranceLineSerializer(many=True, required=False, default=list)


class ToleranceReceiveSerializer(_FilesMixin):
    material = serializers.CharField(max_length=200)
    via = serializers.ChoiceField(choices=Delivery.choices, required=False, allow_null=True)


class ToleranceWaiveSerializer(serializers.Serializer):
    material = serializers.CharField(max_length=200)
    reason = _text(300)


class SupplementSerializer(serializers.Serializer):
    materials = MaterialsField()
    reason = _text(300)


class CompleteSupplementSerializer(_FilesMixin, _HandlingMixin):
    materials = MaterialsField(required=False, default=list)
    via = serializers.ChoiceField(
        choices=Delivery.choices,
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "How the materials came (default: as the case did); at a window it is a visit."
        ),
    )


class RefuseSerializer(serializers.Serializer):
    refusal_kind = serializers.ChoiceField(
        choices=RefusalKind.choices, default=RefusalKind.NOT_ACCEPTABLE
    )
    refusal_reason = _text(2000)
    refusal_basis = _text(2000)
    competent_authority = _text(200)


class SpecialStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[(k.value, k.label) for k in PauseKind if k in SPECIAL_PAUSE_KINDS]
    )
    expected_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        help_text=gettext_lazy("Working days the applicant is told in writing (art. 45)."),
    )
    reason = _text(300)


class RevokeSerializer(serializers.Serializer):
    reason = _text(2000)
    basis = _text(2000)


class ApprovalAskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApprovalRequest.Kind.choices)
    fee = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=gettext_lazy("The fee item to waive (for a fee waiver)."),
    )
    reason = _text(300)
    materials = MaterialsField(
        required=False,
        default=list,
        help_text=gettext_lazy("For a second one-time notice: the lines it lists."),
    )


class _WaiverMixin(serializers.Serializer):
    """What a waiver (减免) records: the policy basis, and the approver where the district
    or the city approves (the service says which are needed)."""

    basis_document = _text(100)
    basis_article = _text(100)
    approver_name = _text(100)
    approver_post = _text(100)
    approval_reference = _text(100)


class ApprovalDecisionSerializer(_WaiverMixin):
    approve = serializers.BooleanField()
    note = _text(500)


class SpecialEndSerializer(serializers.Serializer):
    result = _text(2000)


class ExtendSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        help_text=gettext_lazy(
            "Working days; in all at most the case's extension_max_days (art. 42: 10, or 15 for "
            "joint, unified or centralised handling, or the matter's own maximum)."
        )
    )
    reason = _text(2000)
    approver_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=50,
        help_text=gettext_lazy("Required (art. 42): the name of the official who approved."),
    )
    approver_post = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=50,
        help_text=gettext_lazy("Required (art. 42): the approving official's post."),
    )


class UrgentSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CertificateSerializer(serializers.Serializer):
    note = _text(500)
    issued_at = serializers.DateTimeField(required=False, allow_null=True)


class ReassignSerializer(serializers.Serializer):
    owner = serializers.IntegerField()
    reason = _text(2000)


class VisitSerializer(serializers.Serializer):
    note = _text(2000)


class CloseSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    handover = serializers.ChoiceField(choices=Handover.choices)
    handed_over_at = serializers.DateTimeField(required=False, allow_null=True)
    note = _text(2000)


class WithdrawSerializer(serializers.Serializer):
    reason = _text(2000)


class SignOffSerializer(serializers.Serializer):
    opinion = _text(2000)


class ReferUpSerializer(serializers.Serializer):
    note = _text(1000)


class FeePaySerializer(serializers.Serializer):
    payment_reference = serializers.CharField(max_length=64)


class FeeWaiveSerializer(_WaiverMixin):
    reason = serializers.CharField(max_length=300)


class ObjectionFileSerializer(serializers.Serializer):
    text = _text(2000)


class ObjectionAnswerSerializer(serializers.Serializer):
    answer = _text(4000)
    reasons = _text(4000)


# --- public progress --------------------------------------------------------------------------


class ProgressQuerySerializer(serializers.Serializer):
    receipt = serializers.CharField(max_length=32)
    phone_last4 = serializers.RegexField(
        r"^\d{4}$",
        error_messages={"invalid": gettext_lazy("Give the last four digits of the phone.")},
    )


class ProgressStepSerializer(serializers.Serializer):
    date = serializers.DateField()
    action = serializers.CharField()
    code = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    department = serializers.CharField(allow_blank=True)


class ProgressMissingSerializer(serializers.Serializer):
    name = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    originals_needed = serializers.IntegerField()
    copies_needed = serializers.IntegerField()


class ProgressObjectionSerializer(serializers.Serializer):
    filed_on = serializers.DateField()
    text = serializers.CharField()
    due_on = serializers.DateField()
    due_provisional = serializers.BooleanField()
    answered_on = serializers.DateField(allow_null=True)
    answer = serializers.CharField(allow_blank=True)
    reasons = serializers.CharField(allow_blank=True)


class ProgressSerializer(serializers.Serializer):
    """What a resident may see of a case (centers.cases.progress.progress_lookup)."""

    receipt_number = serializers.CharField()
    matter_code = serializers.CharField()
    matter_name = serializers.CharField()
    applicant = serializers.CharField(help_text=gettext_lazy("masked name"))
    status = serializers.CharField()
    status_label = serializers.CharField()
    received_on = serializers.DateField()
    accepted_on = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    due_provisional = serializers.BooleanField()
    clock_paused = serializers.BooleanField()
    clock_running = serializers.BooleanField()
    closed_on = serializers.DateField(allow_null=True)
    decided_by = serializers.CharField(
        allow_blank=True,
        help_text=gettext_lazy(
            "For a case this center forwards: who accepts and decides it (else empty)."
        ),
    )
    remote_accepted_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("The deciding center's acceptance date.")
    )
    remote_due_date = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("The deciding center's promised date.")
    )
    steps = ProgressStepSerializer(many=True)
    missing = ProgressMissingSerializer(many=True)
    objections = ProgressObjectionSerializer(many=True)
    may_object = serializers.BooleanField(
        help_text=gettext_lazy("True when the result may be objected to now (a refusal or denial).")
    )
