"""The case API (center domains): thin views over centers.cases.services and selectors, the
same functions the desk calls, so both refuse and record the same things.

Reading and handling cases needs HANDLE_CASES (window staff, the director); a village agent
may only POST an intake for their service point (channel village_point, outcome receive).
The working-day calculator and the progress lookup are public."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from cityplatform import ratelimit
from tenants.accounts.api.permissions import capability_required
from tenants.accounts.permissions import Capability, can, is_village_agent

from .. import (
    approvals,
    clock,
    fees,
    objections,
    personal_data,
    progress,
    referrals,
    selectors,
    services,
)
from ..models import Case
from ..states import Channel
from . import serializers as s

HANDLE = capability_required(Capability.HANDLE_CASES)
TAKE_VILLAGE = capability_required(Capability.TAKE_VILLAGE_APPLICATIONS)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A key of at most 64 characters; a repeat returns the first case with 200.",
)
RECEIPT = OpenApiParameter("receipt", str, OpenApiParameter.PATH, description="receipt number")
ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT, description="{field: [messages]} naming each bad field"
)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- the working-day calculator ----------------------------------------------------------------


class DueDateView(APIView):
    """GET /api/v1/calendar/due-date/?start=YYYY-MM-DD&working_days=N: the N-th working day
    after `start` on the official calendar (行政许可法 art. 82): the State Council's holidays
    and adjusted working days and the city's confirmed official schedule, the same on every
    center's domain. The center's own closures (maintenance, a training day) do not count: they
    never move a legal or promised date. N = 0 gives `start` itself if it is a working day,
    else the next one. `provisional` is true when a day counted lies in a year whose official
    schedule is not known yet. Public and read-only."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = s.DueDateSerializer

    @extend_schema(
        parameters=[s.DueDateQuerySerializer],
        responses={200: s.DueDateSerializer, 400: ERRORS},
    )
    def get(self, request):
        query = s.DueDateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data["start"]
        working_days = query.validated_data["working_days"]
        due, provisional = clock.due_date(start, working_days)
        return Response(
            s.DueDateSerializer(
                {
                    "start": start,
                    "working_days": working_days,
                    "due": due,
                    "provisional": provisional,
                }
            ).data
        )


# --- the public progress lookup ----------------------------------------------------------------


class ProgressView(APIView):
    """GET /api/v1/progress/?receipt=…&phone_last4=…: what a resident may see of a case, the
    JSON twin of the portal's progress page (same lookup, same limits per address and per
    receipt). A wrong pair and an unknown receipt get the same 404."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = s.ProgressSerializer

    @extend_schema(
        parameters=[s.ProgressQuerySerializer],
        responses={200: s.ProgressSerializer, 400: ERRORS, 404: DetailSerializer},
    )
    def get(self, request):
        query = s.ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = progress.progress_lookup_limited(
                receipt_number=query.validated_data["receipt"],
                phone_last4=query.validated_data["phone_last4"],
                client_ip=ratelimit.client_bucket(request),
            )
        except progress.LookupThrottled as exc:
            raise Throttled(wait=exc.retry_after) from None
        if result is None:
            raise NotFound(_("No case matches this receipt number and phone number."))
        return Response(s.ProgressSerializer(result).data)


# --- cases ---------------------------------------------------------------------------------------


def _case_or_404(receipt: str) -> Case:
    case = selectors.case_for_desk(receipt)
    if case is None:
        raise NotFound(_("This center has no case with that receipt number."))
    return case


def _detail(request, case: Case, status: int = 200) -> Response:
    case = selectors.case_for_desk(case.receipt_number)
    context = {"request": request, "deadlines": selectors.deadlines_for([case])}
    return Response(s.CaseDetailSerializer(case, context=context).data, status=status)


def _idempotency_key(request) -> str | None:
    data = request.data if hasattr(request.data, "get") else {}  # a JSON list is no intake
    key = request.headers.get("Idempotency-Key") or data.get("idempotency_key") or ""
    key = str(key).strip()
    if len(key) > 64:
        raise ValidationError({"idempotency_key": [_("The key may be at most 64 characters.")]})
    return key or None


class CaseListView(APIView):
    """GET: the center's cases, newest first with urgent ones on top, one keyset page at a time
    (follow `next`). POST: take in an application (受理, 补正, 不予受理 or receive for
    pre-review), JSON or multipart with scans in `files`."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = s.IntakeSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [(HANDLE | TAKE_VILLAGE)()]
        return [HANDLE()]

    @extend_schema(
        operation_id="cases_list",
        parameters=[s.CaseQuerySerializer],
        responses={200: s.CasePageSerializer, 400: ERRORS},
    )
    def get(self, request):
        query = s.CaseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        after = None
        if q.get("cursor"):
            after = selectors.cursor_decode(q["cursor"])
            if after is None:
                raise ValidationError({"cursor": [_("This is not a page cursor of this list.")]})
        today = clock.local_today()
        filters = selectors.CaseFilters(
            status=q.get("status"),
            window_id=q.get("window"),
            overdue=q["overdue"],
            urgent=q["urgent"],
            approval_waiting=q["approval_waiting"],
            mine_for=request.user if q["mine"] else None,
            matter_code=q.get("matter"),
            query=q.get("q"),
        )
        rows, cursor = selectors.case_page(
            selectors.cases_filtered(filters, today), after=after, size=q["page_size"]
        )
        context = {"request": request, "deadlines": selectors.deadlines_for(rows, today)}
        next_url = None
        if cursor is not None:
            next_url = replace_query_param(
                request.build_absolute_uri(), "cursor", selectors.cursor_encode(cursor)
            )
        results = s.CaseItemSerializer(rows, many=True, context=context).data
        return Response({"next": next_url, "results": results})

    @extend_schema(
        parameters=[IDEMPOTENCY_HEADER],
        request={
            "application/json": s.IntakeSerializer,
            "multipart/form-data": s.IntakeSerializer,
        },
        responses={
            201: s.CaseDetailSerializer,
            200: OpenApiResponse(s.CaseDetailSerializer, description="a repeated key"),
            400: ERRORS,
            409: DetailSerializer,
        },
    )
    def post(self, request):
        user = request.user
        handler = can(user, Capability.HANDLE_CASES)
        key = _idempotency_key(request)
        existing = selectors.case_by_idempotency_key(key)
        if existing is not None:
            if not handler and existing.first_contact_id != user.pk:
                return Response(
                    {"detail": _("This key was already used for another application.")},
                    status=409,
                )
            return _detail(request, existing, 200)
        data = s.IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        agent = is_village_agent(user)
        channel = v.get("channel") or (Channel.VILLAGE_POINT if agent else Channel.WINDOW)
        window = v.get("window")
        if window is None and channel == Channel.WINDOW:
            window = selectors.default_window_for(user)
        service_point = v.get("service_point")
        if service_point is None and agent:
            points = list(selectors.service_points_for(user)[:2])
            service_point = points[0] if len(points) == 1 else None
        intake = services.Intake(
            matter=v["matter"],
            applicant={
                "kind": v["applicant_kind"],
                "name": v["applicant_name"],
                "id_number": v["applicant_id_number"],
                "phone": v["applicant_phone"],
                "contact_name": v.get("contact_name", ""),
                "address": v.get("address", ""),
            },
            channel=channel,
            outcome=v.get("outcome")
            or (services.Outcome.RECEIVE if agent else services.Outcome.ACCEPT),
            materials=v["materials"],
            first_contact=v.get("first_contact"),
            owner=v.get("owner"),
            window=window,
            service_point=service_point,
            urgent=v["urgent"],
            urgent_reason=v["urgent_reason"],
            lead_department=v.get("lead_department"),
            departments=v["departments"],
            promised_date=v.get("promised_date"),
            refusal_kind=v["refusal_kind"],
            refusal_reason=v["refusal_reason"],
            refusal_basis=v["refusal_basis"],
            competent_authority=v["competent_authority"],
            department_terms=v["department_terms"],
            note=v["note"],
            uploads=data.uploads(),
            idempotency_key=key,
            tolerance=_tolerance(v.get("tolerance")),
        )
        case = services.case_intake(actor=user, intake=intake)
        return _detail(request, case, 201)


def _tolerance(items) -> list[dict]:
    """容缺 lines of an intake: {name, due} with the date parsed (the service checks them)."""
    import datetime

    lines = []
    for item in items or []:
        try:
            due = datetime.date.fromisoformat(str(item.get("due") or ""))
        except ValueError:
            raise ValidationError(
                {"tolerance": [_("Give each 容缺 date as YYYY-MM-DD.")]}
            ) from None
        lines.append({"name": str(item.get("name") or ""), "due": due})
    return lines


class CaseDetailView(APIView):
    """A case with its materials, scans, department tasks, clock pauses, fees, issued
    documents, history and the steps the requesting user may take now."""

    permission_classes = [HANDLE]
    serializer_class = s.CaseDetailSerializer

    @extend_schema(parameters=[RECEIPT], responses=s.CaseDetailSerializer)
    def get(self, request, receipt: str):
        return _detail(request, _case_or_404(receipt))


class CasePersonalDataView(APIView):
    """The applicant's full ID number and phone number (the case itself shows them masked),
    for window staff and the director only; each read is recorded in the audit log."""

    permission_classes = [HANDLE]
    serializer_class = s.PersonalDataSerializer

    @extend_schema(
        parameters=[RECEIPT],
        request=None,
        responses={200: s.PersonalDataSerializer, 403: DetailSerializer, 404: DetailSerializer},
    )
    def post(self, request, receipt: str):
        case = _case_or_404(receipt)
        values = personal_data.case_personal_data_reveal(request, case)
        return Response(
            s.PersonalDataSerializer({"receipt_number": case.receipt_number, **values}).data
        )


class ProcessRenderer(JSONRenderer):
    """JSON, chosen by ?format=process: the provincial exchange's form of the history."""

    format = "process"


class CaseEventsView(APIView):
    """The case's history (append-only). With ?format=process: only the steps with a 办理状态
    code, as the provincial exchange takes them."""

    permission_classes = [HANDLE]
    renderer_classes = [JSONRenderer, ProcessRenderer]
    serializer_class = s.EventSerializer

    @extend_schema(
        parameters=[
            RECEIPT,
            OpenApiParameter(
                "format",
                str,
                enum=["json", "process"],
                description="process: [{receipt_number, process_code, process_name, at, actor, "
                "note}] for the steps with a process code",
            ),
        ],
        responses=s.EventSerializer(many=True),
    )
    def get(self, request, receipt: str):
        case = _case_or_404(receipt)
        events = selectors.case_history(case)
        if request.accepted_renderer.format == ProcessRenderer.format:
            coded = [event for event in events if event.process_code is not None]
            return Response(s.ProcessEventSerializer(coded, many=True).data)
        return Response(s.EventSerializer(events, many=True).data)


# --- steps ---------------------------------------------------------------------------------------


class CaseStepView(APIView):
    """POST one step on a case; the answer is the case as it is afterwards. A step the case's
    state does not allow is a 400 on `status`; a step the user's role may not take, a 403."""

    permission_classes = [HANDLE]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def step(self, actor, case: Case, data: serializers.Serializer) -> None:
        raise NotImplementedError  # each step below says which service it calls

    @extend_schema(parameters=[RECEIPT], responses={200: s.CaseDetailSerializer, 400: ERRORS})
    def post(self, request, receipt: str):
        case = _case_or_404(receipt)
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        self.step(request.user, case, data)
        return _detail(request, case)


class AcceptView(CaseStepView):
    serializer_class = s.AcceptSerializer

    def step(self, actor, case, data):
        services.case_accept(actor=actor, case=case, **data.validated_data)


class SupplementView(CaseStepView):
    """Issue the one-time notice (一次性告知) listing every missing or defective material."""

    serializer_class = s.SupplementSerializer

    def step(self, actor, case, data):
        services.case_request_supplement(actor=actor, case=case, **data.validated_data)


class CompleteSupplementView(CaseStepView):
    serializer_class = s.CompleteSupplementSerializer

    def step(self, actor, case, data):
        v = data.validated_data
        services.case_complete_supplement(
            actor=actor,
            case=case,
            materials=v["materials"],
            owner=v.get("owner"),
            lead_department=v.get("lead_department"),
            departments=v["departments"],
            uploads=data.uploads(),
            via=v.get("via"),
        )


class RefuseView(CaseStepView):
    serializer_class = s.RefuseSerializer

    def step(self, actor, case, data):
        v = data.validated_data
        services.case_refuse(
            actor=actor,
            case=case,
            kind=v["refusal_kind"],
            reason=v["refusal_reason"],
            basis=v["refusal_basis"],
            competent_authority=v["competent_authority"],
        )


class SpecialStartView(CaseStepView):
    serializer_class = s.SpecialStartSerializer

    def step(self, actor, case, data):
        services.case_special_start(actor=actor, case=case, **data.validated_data)


class SpecialEndView(CaseStepView):
    serializer_class = s.SpecialEndSerializer

    def step(self, actor, case, data):
        services.case_special_end(actor=actor, case=case, **data.validated_data)


class ExtendView(CaseStepView):
    """延长 (行政许可法 art. 42, the director enters it): at most the case's
    `extension_max_days` in all (10; 15 for joint, unified or centralised handling; or the
    matter's own), with the reason and the approving official's name and post, both required
    since issue 15 (本行政机关负责人, or 本级人民政府负责人 for concerted handling)."""

    serializer_class = s.ExtendSerializer

    def step(self, actor, case, data):
        services.case_extend(actor=actor, case=case, **data.validated_data)


class UrgentView(CaseStepView):
    """急办 (seed plan 1 六办件): the director or today's duty leader marks the case urgent,
    with the reason; it gets the center's internal target. A clerk asks through
    approvals/ with kind "urgent"."""

    serializer_class = s.UrgentSerializer

    def step(self, actor, case, data):
        services.case_mark_urgent(actor=actor, case=case, **data.validated_data)


class CertificateView(CaseStepView):
    """发证 (art. 44): record that the certificate of a granting decision was issued."""

    serializer_class = s.CertificateSerializer

    def step(self, actor, case, data):
        services.case_issue_certificate(actor=actor, case=case, **data.validated_data)


class RevokeView(CaseStepView):
    """撤销 (the director, art. 69): revoke the granted decision of a closed case, with reasons
    and legal basis; the revocation decision is printed and the applicant told."""

    serializer_class = s.RevokeSerializer

    def step(self, actor, case, data):
        services.case_revoke(actor=actor, case=case, **data.validated_data)


class ApprovalAskView(CaseStepView):
    """Ask the director to approve a visit beyond two (两次终结) or a fee waiver (减免), with
    the reason; asking again while one waits answers with the waiting one."""

    serializer_class = s.ApprovalAskSerializer

    def step(self, actor, case, data):
        v = data.validated_data
        fee = None
        if v.get("fee"):
            fee = case.fees.filter(pk=v["fee"]).first()
            if fee is None:
                raise ValidationError({"fee": [_("This case has no such fee item.")]})
        approvals.approval_request(
            actor=actor, case=case, kind=v["kind"], fee=fee, reason=v["reason"],
            materials=v.get("materials") or None,
        )  # fmt: skip


class ObjectionView(CaseStepView):
    """Record the applicant's objection (异议) to a refusal or a denial, brought to the window
    (seed plan 1, 退回件); the answer is due within the city's working days."""

    serializer_class = s.ObjectionFileSerializer

    def step(self, actor, case, data):
        objections.objection_file(actor=actor, case=case, text=data.validated_data["text"])


class ObjectionAnswerView(CaseStepView):
    """Answer the waiting objection in writing with the reasons (the case owner or the
    director); the 异议答复书 is printed and the applicant told by SMS."""

    serializer_class = s.ObjectionAnswerSerializer

    def step(self, actor, case, data):
        objections.objection_answer(actor=actor, case=case, **data.validated_data)


class ApprovalDecideView(APIView):
    """The director approves (the step is taken in the director's name) or declines (with a
    note) a request waiting on the case."""

    permission_classes = [HANDLE]
    serializer_class = s.ApprovalDecisionSerializer

    @extend_schema(
        parameters=[RECEIPT, OpenApiParameter("approval_id", int, OpenApiParameter.PATH)],
        responses={200: s.CaseDetailSerializer, 400: ERRORS},
    )
    def post(self, request, receipt: str, approval_id: int):
        case = _case_or_404(receipt)
        approval = case.approval_requests.filter(pk=approval_id).first()
        if approval is None:
            raise NotFound(_("This case has no such approval request."))
        data = s.ApprovalDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        approve, note = v.pop("approve"), v.pop("note")
        approvals.approval_decide(
            actor=request.user, case=case, request=approval, approve=approve, note=note, waiver=v
        )
        return _detail(request, case)


class ReassignView(CaseStepView):
    serializer_class = s.ReassignSerializer

    def step(self, actor, case, data):
        services.case_reassign(actor=actor, case=case, **data.validated_data)


class VisitView(CaseStepView):
    """Count another visit of the applicant (两次终结: a third needs the director)."""

    serializer_class = s.VisitSerializer

    def step(self, actor, case, data):
        services.case_record_visit(actor=actor, case=case, **data.validated_data)


class ToleranceReceiveView(CaseStepView):
    """容缺: the material promised at acceptance is brought in (at a window: a visit)."""

    serializer_class = s.ToleranceReceiveSerializer

    def step(self, actor, case, data):
        v = data.validated_data
        services.case_tolerance_receive(
            actor=actor,
            case=case,
            material=v["material"],
            via=v.get("via"),
            uploads=[upload for upload, _name in data.uploads()],
        )


class ToleranceWaiveView(CaseStepView):
    """容缺: the director waives a material still to come, with the reason."""

    serializer_class = s.ToleranceWaiveSerializer

    def step(self, actor, case, data):
        services.case_tolerance_waive(actor=actor, case=case, **data.validated_data)


class CloseView(CaseStepView):
    serializer_class = s.CloseSerializer

    def step(self, actor, case, data):
        services.case_close(actor=actor, case=case, **data.validated_data)


class WithdrawView(CaseStepView):
    serializer_class = s.WithdrawSerializer

    def step(self, actor, case, data):
        services.case_withdraw(actor=actor, case=case, **data.validated_data)


class SignOffView(APIView):
    """A department signs off its part of a joint case (联办件)."""

    permission_classes = [HANDLE]
    serializer_class = s.SignOffSerializer

    @extend_schema(
        parameters=[RECEIPT, OpenApiParameter("task_id", int, OpenApiParameter.PATH)],
        responses={200: s.CaseDetailSerializer, 400: ERRORS},
    )
    def post(self, request, receipt: str, task_id: int):
        case = _case_or_404(receipt)
        task = case.tasks.filter(pk=task_id).first()
        if task is None:
            raise NotFound(_("This case has no such department task."))
        data = s.SignOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_task_sign_off(actor=request.user, task=task, **data.validated_data)
        return _detail(request, case)


class ReferUpView(CaseStepView):
    """上报: forward an accepted 上报件 to the district center through the exchange."""

    serializer_class = s.ReferUpSerializer

    def step(self, actor, case, data):
        referrals.case_refer_up(actor=actor, case=case, **data.validated_data)


class FeeStepView(APIView):
    """POST a fee step on one of the case's fee items; the answer is the case afterwards."""

    permission_classes = [HANDLE]

    def step(self, actor, fee, data) -> None:
        raise NotImplementedError  # each fee step below says which service it calls

    @extend_schema(
        parameters=[RECEIPT, OpenApiParameter("fee_id", int, OpenApiParameter.PATH)],
        responses={200: s.CaseDetailSerializer, 400: ERRORS},
    )
    def post(self, request, receipt: str, fee_id: int):
        case = _case_or_404(receipt)
        fee = case.fees.filter(pk=fee_id).first()
        if fee is None:
            raise NotFound(_("This case has no such fee item."))
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        self.step(request.user, fee, data)
        return _detail(request, case)


class FeePayView(FeeStepView):
    """统一收费: record the payment of a fee item, with its payment reference."""

    serializer_class = s.FeePaySerializer

    def step(self, actor, fee, data):
        fees.fee_pay(actor=actor, fee=fee, **data.validated_data)


class FeeWaiveView(FeeStepView):
    """Waive a fee item (减免): the director records it, with the reason and the policy basis
    (document number and article); where the city's case policy gives the waiver to the
    district or the city, with their approving official and approval document."""

    serializer_class = s.FeeWaiveSerializer

    def step(self, actor, fee, data):
        fees.fee_waive(actor=actor, fee=fee, **data.validated_data)


STEP_VIEWS: dict[str, type[CaseStepView]] = {
    "refer-up": ReferUpView,
    "accept": AcceptView,
    "supplement": SupplementView,
    "complete-supplement": CompleteSupplementView,
    "refuse": RefuseView,
    "special-start": SpecialStartView,
    "special-end": SpecialEndView,
    "extend": ExtendView,
    "reassign": ReassignView,
    "visit": VisitView,
    "close": CloseView,
    "withdraw": WithdrawView,
    "revoke": RevokeView,
    "urgent": UrgentView,
    "certificate": CertificateView,
    "tolerance-receive": ToleranceReceiveView,
    "tolerance-waive": ToleranceWaiveView,
    "approvals": ApprovalAskView,
    "objection": ObjectionView,
    "objection/answer": ObjectionAnswerView,
}
