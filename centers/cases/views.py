"""The case desk in Wagtail admin (/admin/cases/, center domains only): the case list, the
intake form, the case page with a form for every step the user may take, and the downloads
of scans and printed notices (case files are never served as public media).

Window staff and the center director (HANDLE_CASES) use all of it; a village agent
(TAKE_VILLAGE_APPLICATIONS) gets only the intake of their service points, outcome "receive".
Views parse input, call one service or selector and render; a service's ValidationError
comes back on the form's fields and a refused right as a message."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from catalog_cms.standards.models import WaiverAuthority
from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.models import User
from tenants.accounts.permissions import (
    Capability,
    can,
    is_center_director,
    may_view_personal_data,
    on_center_domain,
    on_city_domain,
)
from tenants.audit.services import personal_data_read
from tenants.private_files import private_file_response

from . import (
    approvals,
    clock,
    forms,
    notices,
    objections,
    personal_data,
    referrals,
    selectors,
    services,
)
from .access import case_actions_for
from .models import ApprovalRequest, CaseMaterial
from .states import (
    TRANSITIONS,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    Handover,
    PauseKind,
    ProcessCode,
    RefusalKind,
)

PAGE_SIZE = 50
# The receipt whose applicant the next case page shows in full (set by CasePersonalDataView).
REVEALED_SESSION_KEY = "cases_personal_data_revealed"
POSTED_KEYS = (
    "name", "state", "originals_received", "copies_received", "note", "tolerance_due"
)  # fmt: skip

# The steps with a form on the case page, in the order they are offered, and their service.
ACTIONS = {
    "accept": (forms.AcceptForm, services.case_accept),
    "refer_up": (forms.ReferUpForm, referrals.case_refer_up),
    "request_supplement": (forms.SupplementForm, services.case_request_supplement),
    "complete_supplement": (forms.CompleteSupplementForm, services.case_complete_supplement),
    "task_sign_off": (forms.TaskSignOffForm, services.case_task_sign_off),
    "start_special": (forms.SpecialStartForm, services.case_special_start),
    "end_special": (forms.SpecialEndForm, services.case_special_end),
    "extend": (forms.ExtendForm, services.case_extend),
    "mark_urgent": (forms.UrgentForm, services.case_mark_urgent),
    "issue_certificate": (forms.CertificateForm, services.case_issue_certificate),
    "reassign": (forms.ReassignForm, services.case_reassign),
    "record_visit": (forms.VisitForm, services.case_record_visit),
    "tolerance_receive": (forms.ToleranceReceiveForm, services.case_tolerance_receive),
    "tolerance_waive": (forms.ToleranceWaiveForm, services.case_tolerance_waive),
    "close": (forms.CloseForm, services.case_close),
    "refuse": (forms.RefuseForm, services.case_refuse),
    "withdraw": (forms.WithdrawForm, services.case_withdraw),
    "revoke": (forms.RevokeForm, services.case_revoke),
    "object": (forms.ObjectionForm, objections.objection_file),
    "answer_objection": (forms.ObjectionAnswerForm, objections.objection_answer),
    "request_approval": (forms.ApprovalRequestForm, approvals.approval_request),
    "decide_approval": (forms.ApprovalDecisionForm, approvals.approval_decide),
    "attach": (forms.ScanForm, services.case_scan_add),
}
# Service error fields that a form names differently.
ERROR_ALIASES = {
    "refuse": {"refusal_reason": "reason", "refusal_basis": "basis", "refusal_kind": "kind"},
    "accept": {"department_terms": "departments"},
    "complete_supplement": {"files": "uploads"},
    "attach": {"files": "file"},
    "tolerance_receive": {"files": "uploads"},
}
# Events that are not a step of the state table, and the desk's own form.
EVENT_LABELS = {
    "attach": gettext_lazy("Scan attached"),
    "task_start": gettext_lazy("Department starts"),
    "request_approval": gettext_lazy("Ask the director to approve"),
    "decide_approval": gettext_lazy("Decide an approval request"),
    "approval_requested": gettext_lazy("Director's approval asked"),
    "approval_decided": gettext_lazy("Director's approval decided"),
    "approvals_lapsed": gettext_lazy("Requests to the director lapsed"),
    "fee_paid": gettext_lazy("Fee paid"),
    "fee_waived": gettext_lazy("Fee waived (减免)"),
    "objection_filed": gettext_lazy("Objection filed (异议)"),
    "objection_answered": gettext_lazy("Objection answered in writing"),
}
ATTACH_LABEL = gettext_lazy("Attach a scan")
# What the history shows of an event's detail, and under which name.
DETAIL_LABELS = {
    "channel": gettext_lazy("channel"),
    "first_contact": gettext_lazy("first contact"),
    "owner": gettext_lazy("case owner"),
    "from_owner": gettext_lazy("previous owner"),
    "to_owner": gettext_lazy("new owner"),
    "accepted_on": gettext_lazy("clock from"),
    "due_date": gettext_lazy("promised date"),
    "due_before": gettext_lazy("promised date before"),
    "provisional": gettext_lazy("provisional calendar"),
    "deemed": gettext_lazy("deemed accepted (art. 32)"),
    "deemed_accepted_on": gettext_lazy("deemed accepted on"),
    "missing": gettext_lazy("missing or defective"),
    "kind": gettext_lazy("kind"),
    "basis": gettext_lazy("legal basis"),
    "expected_days": gettext_lazy("expected working days"),
    "paused_days": gettext_lazy("paused working days"),
    "days": gettext_lazy("working days"),
    "approved_by": gettext_lazy("approved by"),
    "visits": gettext_lazy("visits"),
    "director_approved": gettext_lazy("director approved"),
    "department": gettext_lazy("department"),
    "lead": gettext_lazy("lead department"),
    "decision": gettext_lazy("decision"),
    "handover": gettext_lazy("handed over"),
    "handed_over_at": gettext_lazy("handed over at"),
    "late": gettext_lazy("late"),
    "approved": gettext_lazy("approved"),
    "requested_by": gettext_lazy("asked by"),
    "item": gettext_lazy("fee item"),
    "amount": gettext_lazy("amount (yuan)"),
    "authority": gettext_lazy("approving authority"),
    "basis_document": gettext_lazy("policy document"),
    "basis_article": gettext_lazy("article"),
    "approver_name": gettext_lazy("approver"),
    "approver_post": gettext_lazy("approver's post"),
    "approval_reference": gettext_lazy("approval document"),
    "reasons": gettext_lazy("reasons"),
    "forward_to": gettext_lazy("forwarded to (accepts and decides)"),
    "competent_authority": gettext_lazy("authority to apply to"),
    "task_due_date": gettext_lazy("department due date"),
    "needs": gettext_lazy("what it needs"),
    "visit": gettext_lazy("visit of the applicant"),
    "same_visit": gettext_lazy("same visit"),
    "via": gettext_lazy("came"),
    "notice_number": gettext_lazy("one-time notice no."),
    "material": gettext_lazy("material"),
    "tolerance_due": gettext_lazy("容缺: promised by"),
}
USER_KEYS = ("owner", "from_owner", "to_owner", "first_contact", "approved_by", "requested_by")
CHOICE_KEYS = {
    "channel": (Channel,),
    "kind": (PauseKind, RefusalKind, ApprovalRequest.Kind),
    "decision": (Decision,),
    "handover": (Handover,),
    "authority": (WaiverAuthority,),
    "via": (Delivery,),
}


def _choice_label(vocabularies, value) -> str:
    for vocabulary in vocabularies:
        if value in vocabulary.values:
            return str(vocabulary(value).label)
    return str(value)


def may_handle(user) -> bool:
    return on_center_domain() and can(user, Capability.HANDLE_CASES)


def may_take_village(user) -> bool:
    return on_center_domain() and can(user, Capability.TAKE_VILLAGE_APPLICATIONS)


class DeskAccess:
    """Center domains only; HANDLE_CASES, or TAKE_VILLAGE_APPLICATIONS where
    `agents_allowed`."""

    agents_allowed = False

    def dispatch(self, request, *args, **kwargs):
        if on_city_domain():
            raise Http404
        allowed = may_handle(request.user) or (
            self.agents_allowed and may_take_village(request.user)
        )
        if not allowed:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _case_url(case) -> str:
    return reverse("cases_desk:case", args=[case.receipt_number])


# --- the list ----------------------------------------------------------------------------------


class CaseListView(DeskAccess, AdminScreenMixin, TemplateView):
    """Filtered, newest first with 急办件 on top, cut by keyset (no OFFSET, no count)."""

    agents_allowed = True  # only to be sent to their intake form
    template_name = "cases/desk/index.html"
    page_title = gettext_lazy("办件 (Case desk)")
    header_icon = "clipboard-list"

    def get(self, request, *args, **kwargs):
        if not may_handle(request.user):
            return redirect("cases_desk:new")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        after_text = params.pop("after", [""])[-1]
        # The first visit shows the open cases; an empty status after that means all.
        form = forms.CaseFilterForm(params or {"status": forms.STATUS_OPEN})
        today = clock.local_today()
        cases = selectors.cases_filtered(form.filters(self.request.user), today)
        rows, cursor = selectors.case_page(
            cases, after=selectors.cursor_decode(after_text), size=PAGE_SIZE
        )
        deadlines = selectors.deadlines_for(rows, today)
        filter_query = urlencode([(k, v) for k in params for v in params.getlist(k)])
        context.update(
            form=form,
            rows=[
                (case, deadlines[case.pk], forms.staff_label(case.owner) if case.owner else "")
                for case in rows
            ],
            today=today,
            matters=selectors.matter_choices(),
            first_page_url=f"?{filter_query}" if after_text else "",
            next_page_url=(
                "?"
                + urlencode(
                    [
                        *[(k, v) for k in params for v in params.getlist(k)],
                        ("after", selectors.cursor_encode(cursor)),
                    ]
                )
                if cursor
                else ""
            ),
        )
        return context


# --- intake ------------------------------------------------------------------------------------


class IntakeView(DeskAccess, AdminScreenMixin, FormView):
    agents_allowed = True
    template_name = "cases/desk/intake.html"
    form_class = forms.IntakeForm
    page_title = gettext_lazy("New intake (受理登记)")
    header_icon = "plus"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def _done(self, case, created: bool):
        if created:
            messages.success(
                self.request,
                _("Case %(receipt)s registered: %(status)s.")
                % {"receipt": case.receipt_number, "status": case.get_status_display()},
            )
        else:
            messages.info(
                self.request,
                _("This application was already registered as case %(receipt)s.")
                % {"receipt": case.receipt_number},
            )
        if may_handle(self.request.user):
            return redirect(_case_url(case))
        return redirect("cases_desk:new")

    def post(self, request, *args, **kwargs):
        # A double click or a resubmitted page: the first case, nothing new.
        existing = selectors.case_by_idempotency_key(request.POST.get("idempotency_key"))
        if existing is not None:
            return self._done(existing, created=False)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            case = services.case_intake(
                actor=self.request.user, intake=form.intake(self.request.FILES)
            )
        except ValidationError as exc:
            forms.service_errors_to_form(
                form,
                exc,
                {"files": "materials", "tolerance": "materials", "department_terms": "departments"},
            )
            return self.form_invalid(form)
        except PermissionDenied as exc:
            messages.error(self.request, str(exc) or _("You may not do this."))
            return self.form_invalid(form)
        return self._done(case, created=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        posted = form.material_rows() if form.is_bound else []
        context.update(
            matters=selectors.matters_for_intake(),
            today=clock.local_today(),
            is_agent=form.is_agent,
            posted_materials=[{key: row[key] for key in POSTED_KEYS} for row in posted],
            material_states=CaseMaterial.State.choices,
            no_service_point=form.is_agent and not form.fields["service_point"].queryset.exists(),
            intake_i18n={
                "required": _("required"),
                "optional": _("optional"),
                "needed": _("originals %(o)s, copies %(c)s"),
                "days": _("%(n)s working days promised"),
                "due": _("If accepted today: promised by %(date)s"),
                "provisional": _("(provisional calendar)"),
                "unknown": _("Not a matter of this center."),
                "material": _("Material"),
                "tolerance": _("容缺: brought by (blank: not 容缺)"),
            },
        )
        return context


# --- the case page -----------------------------------------------------------------------------


def _action_label(name: str, *, form: bool = False) -> str:
    if form and name == "attach":
        return str(ATTACH_LABEL)
    if name in TRANSITIONS:
        return str(TRANSITIONS[name].label)
    return str(EVENT_LABELS.get(name, name))


def _status_label(value: str) -> str:
    if not value:
        return ""
    try:
        return str(CaseStatus(value).label)
    except ValueError:
        return value


def history_rows(case) -> list[dict]:
    """The events of a case as the history table shows them."""
    events = list(selectors.case_history(case))
    user_ids = {
        event.detail[key]
        for event in events
        for key in USER_KEYS
        if isinstance(event.detail.get(key), int)
    }
    names = {u.pk: forms.staff_label(u) for u in User.objects.filter(pk__in=user_ids)}
    rows = []
    for event in events:
        detail = []
        for key, value in event.detail.items():
            if value in (None, "", [], {}, False) or key not in DETAIL_LABELS:
                continue
            if key in USER_KEYS:
                value = names.get(value, value)
            elif key == "missing":
                value = "、".join(m.get("name", "") for m in value)
            elif key in CHOICE_KEYS:
                value = _choice_label(CHOICE_KEYS[key], value)
            elif value is True:
                value = _("yes")
            detail.append((DETAIL_LABELS[key], value))
        attachments = []
        for item in event.attachments:
            route = {"file": "cases_desk:scan", "document": "cases_desk:document"}.get(
                item.get("kind")
            )
            url = reverse(route, args=[case.receipt_number, item["id"]]) if route else ""
            attachments.append({"name": item.get("name", ""), "url": url})
        rows.append(
            {
                "event": event,
                "label": _action_label(event.action),
                "code": event.process_code,
                "code_label": ProcessCode(event.process_code).label if event.process_code else "",
                "from": _status_label(event.from_status),
                "to": _status_label(event.to_status),
                "detail": detail,
                "attachments": attachments,
            }
        )
    return rows


class CaseDetailView(DeskAccess, AdminScreenMixin, TemplateView):
    template_name = "cases/desk/case.html"
    header_icon = "clipboard-list"

    def dispatch(self, request, *args, **kwargs):
        self.case = None
        return super().dispatch(request, *args, **kwargs)

    def get_case(self):
        if self.case is None:
            self.case = selectors.case_for_desk(self.kwargs["receipt"])
            if self.case is None:
                raise Http404
        return self.case

    def get_page_title(self):
        return self.get_case().receipt_number

    def get_page_subtitle(self):
        return self.get_case().matter_name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("cases_desk:index"), "label": _("办件 (Case desk)")},
            {"url": "", "label": self.get_case().receipt_number},
        ]

    def get_context_data(self, bound_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        user = self.request.user
        offer = case_actions_for(user, case)
        action_forms = []
        for name in offer.names:
            form_class, _service = ACTIONS[name]
            form = (
                bound_form
                if bound_form is not None and bound_form.action == name
                else form_class(case=case, user=user)
            )
            action_forms.append(
                {
                    "name": name,
                    "label": _action_label(name, form=True),
                    "form": form,
                    "open": form.is_bound,
                }
            )
        today = clock.local_today()
        # Full ID number and phone only right after an audited "show in full" (one page view).
        revealed = self.request.session.pop(REVEALED_SESSION_KEY, None) == case.receipt_number
        context.update(
            case=case,
            personal_data_revealed=revealed,
            may_reveal_personal_data=may_view_personal_data(user),
            deadline=selectors.deadline_of(case, today),
            closures_in_term=selectors.closures_in_term(case),
            today=today,
            action_forms=action_forms,
            visit_needs_director=offer.visit_needs_director,
            history=history_rows(case),
            materials=list(case.materials.all()),
            scans=list(case.files.all()),
            documents=list(case.documents.all()),
            tasks=list(case.tasks.all()),
            late_task_ids={t.pk for t in selectors.late_tasks(case, today)},
            deciding_authority=referrals.deciding_authority(case),
            pauses=list(case.pauses.all()),
            fees=list(case.fees.all()),
            objections=list(case.objections.all()),
            approval_requests=list(case.approval_requests.all()),
            tolerance_pending=selectors.tolerance_pending(case),
            visits_allowed=selectors.visits_allowed(case),
            remote_status_label=_status_label(case.remote_status),
            owner_label=forms.staff_label(case.owner) if case.owner else "",
            first_contact_label=forms.staff_label(case.first_contact) if case.first_contact else "",
        )
        return context

    def post(self, request, receipt):
        case = self.get_case()
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise Http404
        form_class, service = ACTIONS[name]
        form = form_class(request.POST, request.FILES, case=case, user=request.user)
        if form.is_valid():
            kwargs = form.service_kwargs()
            if name != "task_sign_off":
                kwargs["case"] = case
            try:
                service(actor=request.user, **kwargs)
            except ValidationError as exc:
                forms.service_errors_to_form(form, exc, ERROR_ALIASES.get(name))
            except PermissionDenied as exc:
                messages.error(request, str(exc) or _("You may not do this."))
                return redirect(_case_url(case))
            else:
                messages.success(
                    request,
                    _("%(step)s: done for case %(receipt)s.")
                    % {"step": _action_label(name, form=True), "receipt": case.receipt_number},
                )
                return redirect(_case_url(case))
        self.case = None  # read again: nothing changed, but show it as it is now
        return self.render_to_response(self.get_context_data(bound_form=form))


class CasePersonalDataView(DeskAccess, View):
    """POST /admin/cases/<receipt>/personal-data/: show the applicant's full ID number and
    phone on the case page once, each read recorded in the audit log; then back to the case
    page (a reload shows the masked forms again)."""

    def post(self, request, receipt):
        case = selectors.case_for_desk(receipt)
        if case is None:
            raise Http404
        try:
            personal_data.case_personal_data_reveal(request, case)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            request.session[REVEALED_SESSION_KEY] = case.receipt_number
        return redirect(_case_url(case))


# --- the director's approvals -------------------------------------------------------------------


class ApprovalQueueView(DeskAccess, AdminScreenMixin, TemplateView):
    """/admin/cases/approvals/: the requests waiting for the director (all of them for the
    director, one's own for anyone else) and those decided lately; each links to its case,
    where the director decides with the whole case in view."""

    template_name = "cases/desk/approvals.html"
    header_icon = "tick-inverse"
    page_title = gettext_lazy("Director's approvals")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        waiting, decided = approvals.approvals_for(self.request.user)
        context.update(
            waiting=waiting,
            decided=decided,
            is_director=is_center_director(self.request.user),
        )
        return context


# --- downloads ---------------------------------------------------------------------------------


class ScanDownloadView(DeskAccess, View):
    def get(self, request, receipt, pk):
        scan = selectors.case_scan(receipt, pk)
        if scan is None:
            raise Http404
        response = private_file_response(
            scan.file, filename=scan.original_name, content_type=scan.content_type
        )
        personal_data_read(request, receipt=receipt, what=f"scan:{scan.pk}")
        return response


class DocumentDownloadView(DeskAccess, View):
    def get(self, request, receipt, pk):
        document = selectors.case_document(receipt, pk)
        if document is None:
            raise Http404
        response = private_file_response(
            document.file, filename=notices.download_name(document), content_type="application/pdf"
        )
        personal_data_read(request, receipt=receipt, what=f"document:{document.kind}")
        return response
