"""Rectification screens in Wagtail admin, /admin/rectifications/.

On a center's domain its director and window staff see the center's items and take its steps
(call-back, reply, report, appeal). On the city's domain the city administrator sees every
center's items and district staff those of their district; supervisors approve, return and
decide appeals. The city administrator also sets the deadline (/admin/rectifications/policy/).
Each step is one POST calling one service; a refusal re-renders the page with the error.
Deciding an appeal (it can take a rating out of every figure) and changing the deadline ask
for a recent password (tenants.accounts.reauth)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin, id_param
from tenants.accounts.city_policy import CityPolicyView
from tenants.accounts.permissions import (
    Capability,
    can,
    has_city_role,
    may_edit_city_policy,
    on_center_domain,
    on_city_domain,
)
from tenants.accounts.reauth import has_recent_auth, reauth_response

from . import selectors, services
from .forms import CENTER_STEPS, DISTRICT_STEPS, PolicyForm
from .models import AppealState, Source, State

PAGE_SIZE = 50


def center_staff(user) -> bool:
    return on_center_domain() and can(user, Capability.HANDLE_CASES)


def city_staff(user) -> bool:
    return on_city_domain() and can(user, Capability.ACCESS_ADMIN) and has_city_role(user)


def open_steps(rect, user) -> list[str]:
    """The steps to offer on the detail page (the services decide; this only hides the forms
    that could not succeed)."""
    if rect.is_final:
        return []
    steps = []
    appeal = getattr(rect, "appeal", None) if rect.is_rating else None
    if center_staff(user):
        if rect.is_rating and rect.state == State.OPEN:
            steps.append("call_back")
        if rect.is_rating and (
            rect.state == State.CALLED_BACK
            or (rect.state == State.OPEN and not rect.callback_required)
        ):
            steps.append("reply")
        if rect.state == State.REPLIED or (not rect.is_rating and rect.state == State.OPEN):
            steps.append("submit")
        if rect.is_rating and appeal is None:
            steps.append("appeal")
    elif can(user, Capability.SUPERVISE_CENTER, rect.center):
        pending = appeal is not None and appeal.state == AppealState.PENDING
        if rect.state == State.SUBMITTED:
            if not pending:
                steps.append("approve")
            steps.append("return")
        if pending:
            steps.append("decide")
    return steps


class _Base(AdminScreenMixin, TemplateView):
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not (center_staff(request.user) or city_staff(request.user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scope(self, **filters):
        user = self.request.user
        if center_staff(user):
            return selectors.center_rectifications(connection.schema_name, **filters)
        return selectors.supervised_rectifications(user, **filters)


class RectificationListView(_Base):
    template_name = "rectification/admin/index.html"
    page_title = gettext_lazy("Rectifications (差评整改)")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        get = self.request.GET
        today = timezone.localdate()
        state = get.get("state", "")
        state = state if state in (*State.values, "appeal_pending") else ""
        overdue = get.get("overdue") == "1"
        filters = {"state": state, "overdue": overdue, "today": today}
        city = city_staff(self.request.user)
        district_id = center_id = None
        centers = districts = []
        if city:
            centers = list(
                selectors.supervised_centers(self.request.user).order_by("division_code")
            )
            districts = [c for c in centers if c.kind == "district"]
            ids = {c.pk for c in centers}
            district_id = id_param(get.get("district"))
            district_id = district_id if district_id in {d.pk for d in districts} else None
            center_id = id_param(get.get("center"))
            center_id = center_id if center_id in ids else None
            filters.update(district_id=district_id, center_id=center_id)
        page = Paginator(self.scope(**filters), PAGE_SIZE).get_page(get.get("p"))
        for rect in page:
            rect.overdue = rect.overdue_on(today)
        query = get.copy()
        query.pop("p", None)
        context.update(
            page_obj=page,
            city=city,
            states=[*State.choices, ("appeal_pending", _("Appeal pending (申诉待复核)"))],
            state=state,
            overdue=overdue,
            districts=districts,
            centers=centers,
            district_id=district_id,
            center_id=center_id,
            query=query.urlencode(),
            policy=services.policy_current(),
            policy_editor=may_edit_city_policy(self.request.user),
        )
        return context


class RectificationDetailView(_Base):
    template_name = "rectification/admin/detail.html"
    page_title = gettext_lazy("Rectification (差评整改)")

    def get_object(self):
        rect = self.scope().filter(pk=self.kwargs["pk"]).first()
        if rect is None:
            raise Http404
        return rect

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = rect = self.get_object()
        step = request.POST.get("step", "")
        form_class = CENTER_STEPS.get(step) or DISTRICT_STEPS.get(step)
        if form_class is None:
            raise Http404
        if step == "decide" and not has_recent_auth(request):
            return reauth_response(request)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                self._run(step, rect, form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("rectification_detail", args=[rect.pk]))
        context = self.get_context_data(failed_step=step, failed_form=form)
        return self.render_to_response(context, status=400)

    def _run(self, step, rect, data):
        user = self.request.user
        if step == "call_back":
            services.call_back_record(
                rect=rect, actor=user, called_on=data["called_on"], outcome=data["outcome"]
            )
        elif step == "reply":
            services.reply_send(rect=rect, actor=user, text=data["text"])
        elif step == "submit":
            services.report_submit(rect=rect, actor=user, report=data["report"])
        elif step == "appeal":
            services.appeal_file(
                rect=rect, actor=user, reasons=data["reasons"], evidence=data["evidence"]
            )
        elif step == "approve":
            services.district_approve(rect=rect, actor=user, note=data["note"])
        elif step == "return":
            services.district_return(rect=rect, actor=user, note=data["note"])
        elif step == "decide":
            services.appeal_decide(
                rect=rect, actor=user, upheld=data["decision"] == "upheld", answer=data["answer"]
            )

    def get_context_data(self, failed_step="", failed_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        rect = self.object
        steps = open_steps(rect, self.request.user)
        if failed_step and failed_step not in steps:
            steps.append(failed_step)
        forms = []
        for step in steps:
            form_class = CENTER_STEPS.get(step) or DISTRICT_STEPS[step]
            form = failed_form if step == failed_step else form_class()
            forms.append({"step": step, "label": STEP_LABELS[step], "form": form})
        context.update(
            rect=rect,
            is_rating=rect.source == Source.BAD_RATING,
            appeal=selectors.appeal_of(rect),
            events=list(rect.events.all()),
            forms=forms,
            overdue=rect.overdue_on(timezone.localdate()),
            city=city_staff(self.request.user),
        )
        return context


STEP_LABELS = {
    "call_back": gettext_lazy("Record the call-back (回访)"),
    "reply": gettext_lazy("Reply to the resident (答复)"),
    "submit": gettext_lazy("Submit the rectification report (提交整改报告)"),
    "appeal": gettext_lazy("Appeal the rating (申诉)"),
    "approve": gettext_lazy("Approve and close (审核通过)"),
    "return": gettext_lazy("Return to the center (退回)"),
    "decide": gettext_lazy("Decide the appeal (申诉复核)"),
}


class PolicyView(CityPolicyView):
    template_name = "rectification/admin/policy.html"
    page_title = gettext_lazy("Rectification deadline (整改时限)")
    form_class = PolicyForm
    success_url_name = "rectification_policy"

    def policy(self):
        return services.policy_current()

    def initial(self, policy) -> dict:
        return {"deadline_working_days": policy.deadline_working_days}

    def save(self, data: dict) -> None:
        services.policy_set(
            actor=self.request.user, deadline_working_days=data["deadline_working_days"]
        )
