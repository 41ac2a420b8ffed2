"""The conduct campaign's screens in Wagtail admin, /admin/conduct/, on both kinds of domain.

On a center's domain the director sees the campaigns, fills the center's self-evaluation and
the peer evaluations assigned to the center (and nothing else). On the city's domain the city
administrator creates and closes campaigns and sees everything; district supervisors see their
district's evaluations, assign peer evaluations between its centers and fill the district's
own evaluations. Each change is one POST calling one service; a refusal re-renders the page
with the error and nothing changed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin, id_param
from evaluation.scoring.models import Round
from tenants.accounts.permissions import (
    Capability,
    can,
    is_city_supervisor,
    on_center_domain,
    on_city_domain,
)
from tenants.models import Center

from . import selectors, services
from .models import CampaignState, Evaluation, EvaluationKind


def center_director(user) -> bool:
    return on_center_domain() and can(user, Capability.MANAGE_CENTER_WORKSPACE)


def city_staff(user) -> bool:
    return on_city_domain() and can(user, Capability.ACCESS_ADMIN) and is_city_supervisor(user)


class _Base(AdminScreenMixin, TemplateView):
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not (center_director(request.user) or city_staff(request.user)):
            raise PermissionDenied
        self.center = request.tenant if center_director(request.user) else None
        return super().dispatch(request, *args, **kwargs)

    def scope(self):
        if self.center is not None:
            return selectors.center_evaluations(self.center)
        return selectors.supervised_evaluations(self.request.user)


class IndexView(_Base):
    template_name = "conduct/admin/index.html"
    page_title = gettext_lazy("Conduct campaigns (作风建设)")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaigns = list(selectors.campaigns())
        evaluations = list(self.scope().order_by("campaign", "kind", "center__division_code"))
        for campaign in campaigns:
            campaign.mine = [e for e in evaluations if e.campaign_id == campaign.pk]
            if self.center is not None:
                campaign.self_done = any(
                    e.kind == EvaluationKind.SELF and e.is_submitted for e in campaign.mine
                )
        admin = services.city_admin(self.request.user)
        context.update(
            campaigns=campaigns,
            center=self.center,
            self_evaluated=self.center is not None and self.center.kind in services.EVALUATED_KINDS,
            city_admin=admin,
            rounds=list(Round.objects.select_related("rubric")) if admin else [],
        )
        return context


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    round = forms.ModelChoiceField(
        label=gettext_lazy("Evaluation round"),
        queryset=Round.objects.all(),
        required=False,
        help_text=gettext_lazy("Leave empty for a campaign of its own period."),
    )
    period_start = forms.DateField(
        label=gettext_lazy("Period start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=gettext_lazy("Period end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    items = forms.CharField(
        label=gettext_lazy("Checklist"),
        widget=forms.Textarea(attrs={"rows": 8}),
        initial=services.DEFAULT_CHECKLIST,
        help_text=gettext_lazy("One check a line: title｜what to check."),
    )


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class CreateView(_Base):
    template_name = "conduct/admin/create.html"
    page_title = gettext_lazy("New conduct campaign")

    def dispatch(self, request, *args, **kwargs):
        if not services.city_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CampaignForm())
        return context

    def post(self, request, *args, **kwargs):
        form = CampaignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.campaign_create(
                    actor=request.user,
                    name=data["name"],
                    items=services.parse_items(data["items"]),
                    round=data["round"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Campaign created."))
                return redirect(reverse("conduct_campaign", args=[campaign.pk]))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AssignForm(forms.Form):
    center = forms.ModelChoiceField(
        label=gettext_lazy("Center evaluated"), queryset=Center.objects.none()
    )
    evaluator_center = forms.ModelChoiceField(
        label=gettext_lazy("Evaluated by"), queryset=Center.objects.none()
    )

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
        self.fields["evaluator_center"].queryset = centers
        label = lambda c: f"{c.display_name}（{c.parent.display_name if c.parent else ''}）"  # noqa: E731
        self.fields["center"].label_from_instance = label
        self.fields["evaluator_center"].label_from_instance = label


class CampaignView(_Base):
    """The city's view of one campaign: the evaluations it may see, the peer assignment form,
    the district evaluation of each center, closing (city administrator)."""

    template_name = "conduct/admin/campaign.html"

    def dispatch(self, request, *args, **kwargs):
        if not city_staff(request.user):
            raise PermissionDenied
        self.campaign = selectors.campaign(kwargs["pk"])
        if self.campaign is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.campaign.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        centers = selectors.supervised_centers(user)
        evaluations = list(
            self.scope()
            .filter(campaign=self.campaign)
            .order_by("center__division_code", "kind", "evaluator_center__division_code")
        )
        district_done = {
            e.center_id for e in evaluations if e.kind == EvaluationKind.DISTRICT and e.is_submitted
        }
        context.update(
            campaign=self.campaign,
            items=list(self.campaign.items.all()),
            evaluations=evaluations,
            centers=[(c, c.pk in district_done) for c in centers],
            assign_form=kwargs.get("assign_form") or AssignForm(centers=centers),
            city_admin=services.city_admin(user),
            close_error=kwargs.get("close_error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        step = request.POST.get("step")
        if step == "assign":
            form = AssignForm(request.POST, centers=selectors.supervised_centers(request.user))
            if form.is_valid():
                try:
                    services.peer_assign(
                        actor=request.user,
                        campaign=self.campaign,
                        center=form.cleaned_data["center"],
                        evaluator_center=form.cleaned_data["evaluator_center"],
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("Peer evaluation assigned."))
                    return redirect(reverse("conduct_campaign", args=[self.campaign.pk]))
            return self.render_to_response(self.get_context_data(assign_form=form), status=400)
        if step == "close":
            try:
                services.campaign_close(actor=request.user, campaign=self.campaign)
            except ValidationError as exc:
                context = self.get_context_data(close_error=exc.messages)
                return self.render_to_response(context, status=400)
            messages.success(request, _("Campaign closed."))
            return redirect(reverse("conduct_campaign", args=[self.campaign.pk]))
        raise Http404


class FillView(_Base):
    """Fill (or read, once submitted) one center's checklist: on a center's domain its own
    self-evaluation or a peer evaluation assigned to it; on the city's domain the district's
    evaluation of one of its centers."""

    template_name = "conduct/admin/fill.html"

    def dispatch(self, request, *args, **kwargs):
        if not (center_director(request.user) or city_staff(request.user)):
            raise PermissionDenied
        self.campaign = selectors.campaign(kwargs["pk"])
        if self.campaign is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _target(self):
        """(kind, center evaluated, existing evaluation or None), or 404."""
        center_id = id_param(self.kwargs["center_id"])
        if self.center is not None:
            if center_id == self.center.pk:
                if self.center.kind not in services.EVALUATED_KINDS:
                    raise Http404  # a district's own center is not evaluated
                evaluation = Evaluation.objects.filter(
                    campaign=self.campaign, center=self.center, evaluator_center=self.center
                ).first()
                return EvaluationKind.SELF, self.center, evaluation
            evaluation = (
                Evaluation.objects.select_related("center", "evaluator_center")
                .filter(
                    campaign=self.campaign,
                    kind=EvaluationKind.PEER,
                    center_id=center_id,
                    evaluator_center=self.center,
                )
                .first()
            )
            if evaluation is None:
                raise Http404
            return EvaluationKind.PEER, evaluation.center, evaluation
        center = selectors.supervised_centers(self.request.user).filter(pk=center_id).first()
        if center is None:
            raise Http404
        evaluation = Evaluation.objects.filter(
            campaign=self.campaign, kind=EvaluationKind.DISTRICT, center=center
        ).first()
        return EvaluationKind.DISTRICT, center, evaluation

    def get_page_title(self):
        return EvaluationKind(self.kind).label

    def get_page_subtitle(self):
        return f"{self.campaign.name} · {self.target.display_name}"

    def setup_target(self):
        self.kind, self.target, self.evaluation = self._target()

    def get(self, request, *args, **kwargs):
        self.setup_target()
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = list(self.campaign.items.all())
        submitted = self.evaluation is not None and self.evaluation.is_submitted
        posted = kwargs.get("posted") or {}
        errors = kwargs.get("errors") or {}
        rows = []
        for item in items:
            rows.append(
                {
                    "item": item,
                    "choice": posted.get(f"item_{item.pk}", ""),
                    "description": posted.get(f"desc_{item.pk}", ""),
                    "owner": posted.get(f"owner_{item.pk}", ""),
                    "errors": errors.get(f"item_{item.pk}", []),
                }
            )
        context.update(
            campaign=self.campaign,
            target=self.target,
            kind=self.kind,
            evaluation=self.evaluation,
            submitted=submitted,
            findings=selectors.findings_of(self.evaluation) if submitted else [],
            can_fill=not submitted and self.campaign.state == CampaignState.OPEN,
            rows=rows,
            comment=posted.get("comment", ""),
            form_errors=[m for k, v in errors.items() if not k.startswith("item_") for m in v],
        )
        return context

    def post(self, request, *args, **kwargs):
        self.setup_target()
        post = request.POST
        findings = {}
        for item in self.campaign.items.all():
            choice = post.get(f"item_{item.pk}")
            findings[item.pk] = {
                "problem": {"ok": False, "problem": True}.get(choice),
                "description": post.get(f"desc_{item.pk}", ""),
                "owner_name": post.get(f"owner_{item.pk}", ""),
            }
        comment = post.get("comment", "")
        user = request.user
        try:
            if self.kind == EvaluationKind.SELF:
                services.self_evaluation_submit(
                    actor=user,
                    campaign=self.campaign,
                    center=self.center,
                    findings=findings,
                    comment=comment,
                )
            elif self.kind == EvaluationKind.PEER:
                services.peer_evaluation_submit(
                    actor=user, evaluation=self.evaluation, findings=findings, comment=comment
                )
            else:
                services.district_evaluation_submit(
                    actor=user,
                    campaign=self.campaign,
                    center=self.target,
                    findings=findings,
                    comment=comment,
                )
        except ValidationError as exc:
            context = self.get_context_data(posted=post, errors=exc.message_dict)
            return self.render_to_response(context, status=400)
        messages.success(request, _("Submitted."))
        return redirect(request.path)


class EvaluationView(_Base):
    """Read one evaluation the user may see (the city: any of its district's)."""

    template_name = "conduct/admin/evaluation.html"
    page_title = gettext_lazy("Conduct evaluation")

    def get(self, request, *args, **kwargs):
        self.evaluation = self.scope().filter(pk=id_param(kwargs["pk"])).first()
        if self.evaluation is None:
            raise Http404
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            evaluation=self.evaluation,
            findings=selectors.findings_of(self.evaluation),
        )
        return context
