"""The scored evaluation in the Wagtail admin. City domain: rubrics, rounds (assign, progress,
lock, publish with re-authentication), the evaluator's assignments and score form, the
district's appeals. Center domain: the center's results and its one appeal. Views parse the
form, call one service, render; every check of who may do what is in the services and
selectors."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cityplatform.admin_views import AdminScreenMixin
from tenants.accounts.reauth import RecentAuthRequiredMixin
from tenants.models import Center
from tenants.private_files import private_file_response

from . import selectors, services
from .models import (
    EvidencePhoto,
    ItemKind,
    Round,
    RoundState,
    Rubric,
    ScoreAppeal,
    Scorecard,
)
from .tabular import export_rubric

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [message for messages_ in exc.message_dict.values() for message in messages_]
    return list(exc.messages)


def _field_errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _date(text: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        message = _("“%(value)s” is not a date.") % {"value": text}
        raise ValidationError({"date": [message]}) from exc


class _Screen(AdminScreenMixin, TemplateView):
    header_icon = "tasks"

    def allowed(self, request) -> bool:
        return False

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# ---------------------------------------------------------------- home


class HomeView(_Screen):
    """City domain: what the user has to do here. Center domain: the center's results."""

    template_name = "scoring/admin/home.html"
    page_title = gettext_lazy("Scored evaluation (考核评价)")

    def allowed(self, request):
        user = request.user
        return (
            selectors.is_city_admin(user)
            or selectors.is_evaluator(user)
            or selectors.is_district_supervisor(user)
            or selectors.is_center_director(user)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        center = selectors.current_center()
        context.update(
            center=center,
            results=selectors.center_results(center) if center else [],
            city_admin=selectors.is_city_admin(user),
            evaluator=selectors.is_evaluator(user),
            supervisor=selectors.is_district_supervisor(user),
        )
        if context["supervisor"] or context["city_admin"]:
            context["talks"] = selectors.talks_due(user)
        return context


# ---------------------------------------------------------------- rubrics


class RubricListView(_Screen):
    template_name = "scoring/admin/rubrics.html"
    page_title = gettext_lazy("Rubrics (评分细则)")

    def allowed(self, request):
        return selectors.is_rubric_editor(request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", [])
        context.setdefault("form", {})
        context["rubrics"] = selectors.rubrics_list()
        return context

    def post(self, request):
        upload = request.FILES.get("file")
        form = {"name": request.POST.get("name", ""), "bonus_cap": request.POST.get("bonus_cap")}
        if upload is None:
            errors = [_("Choose an xlsx or csv file.")]
        elif upload.size > MAX_IMPORT_BYTES:
            errors = [_("The file is larger than 5 MB.")]
        else:
            try:
                rubric = services.rubric_import(
                    actor=request.user,
                    name=form["name"],
                    content=upload.read(),
                    filename=upload.name,
                    bonus_cap=form["bonus_cap"],
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, _("Imported as %(rubric)s (draft).") % {"rubric": rubric})
                return redirect("scoring_rubric", rubric.pk)
        return self.render_to_response(self.get_context_data(errors=errors, form=form))


class RubricDetailView(_Screen):
    template_name = "scoring/admin/rubric.html"

    def allowed(self, request):
        return selectors.is_rubric_editor(request.user)

    def get_page_title(self):
        return str(self.rubric)

    def dispatch(self, request, *args, pk, **kwargs):
        if not self.allowed(request):
            raise PermissionDenied
        self.rubric = get_object_or_404(Rubric, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", [])
        context.update(
            rubric=self.rubric,
            tree=selectors.rubric_tree(self.rubric),
            rounds=self.rubric.rounds.all(),
            problems=services.rubric_problems(self.rubric) if not self.rubric.is_published else [],
        )
        return context

    def post(self, request):
        action = request.POST.get("action")
        try:
            if action == "publish":
                services.rubric_publish(actor=request.user, rubric=self.rubric)
                messages.success(request, _("%(rubric)s is published.") % {"rubric": self.rubric})
                return redirect("scoring_rubric", self.rubric.pk)
            if action == "new_version":
                copy = services.rubric_new_version(actor=request.user, rubric=self.rubric)
                messages.success(request, _("%(rubric)s created as a draft.") % {"rubric": copy})
                return redirect("scoring_rubric", copy.pk)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=_errors(exc)))
        raise Http404


def rubric_export(request, pk: int):
    if not selectors.is_rubric_editor(request.user):
        raise PermissionDenied
    rubric = get_object_or_404(Rubric, pk=pk)
    response = HttpResponse(
        export_rubric(rubric, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="rubric-{rubric.pk}.xlsx"'
    return response


# ---------------------------------------------------------------- rounds


class RoundListView(_Screen):
    template_name = "scoring/admin/rounds.html"
    page_title = gettext_lazy("Evaluation rounds")

    def allowed(self, request):
        return selectors.is_city_admin(request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", {})
        context.setdefault("form", {})
        context.update(
            rounds=selectors.rounds_list(),
            rubrics=Rubric.objects.filter(state="published").order_by("name", "-version"),
        )
        return context

    def post(self, request):
        form = {
            key: request.POST.get(key, "")
            for key in ("name", "period_start", "period_end", "rubric", "talk_threshold")
        }
        try:
            rubric = Rubric.objects.filter(pk=int(form["rubric"] or 0)).first()
            round = services.round_create(
                actor=request.user,
                name=form["name"],
                period_start=_date(form["period_start"]),
                period_end=_date(form["period_end"]),
                rubric=rubric,
                talk_threshold=form["talk_threshold"],
            )
        except ValueError:
            errors = {"rubric": [_("Choose a rubric.")]}
        except ValidationError as exc:
            errors = _field_errors(exc)
        else:
            messages.success(request, _("Round “%(name)s” created.") % {"name": round.name})
            return redirect("scoring_round", round.pk)
        return self.render_to_response(self.get_context_data(errors=errors, form=form))


ROUND_ACTIONS = {
    "open_scoring": (services.round_open_scoring, gettext_lazy("Scoring is open.")),
    "open_appeals": (services.round_open_appeals, gettext_lazy("Appeals are open.")),
    "start_review": (services.round_start_review, gettext_lazy("Appeals are closed.")),
    "lock": (services.round_lock, gettext_lazy("The round is locked.")),
}


class RoundDetailView(_Screen):
    template_name = "scoring/admin/round.html"

    def allowed(self, request):
        return selectors.is_city_admin(request.user)

    def dispatch(self, request, *args, pk, **kwargs):
        if not self.allowed(request):
            raise PermissionDenied
        self.round = get_object_or_404(Round.objects.select_related("rubric"), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.round.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", [])
        evaluators = selectors.evaluators_by_district()
        centers = [
            (center, evaluators.get(center.parent_id, []))
            for center in selectors.assignable_centers(self.round)
        ]
        context.update(
            round=self.round,
            rows=selectors.round_progress(self.round),
            counts=selectors.round_counts(self.round),
            centers=centers,
            can_assign=self.round.state in (RoundState.DRAFT, RoundState.SCORING),
            ranking=selectors.ranking_for(self.round),
        )
        return context

    def post(self, request):
        action = request.POST.get("action", "")
        try:
            if action == "assign":
                center = Center.objects.centers().filter(pk=request.POST.get("center") or 0)
                if not center.exists():
                    raise ValidationError({"center": [_("Choose a center.")]})
                services.assignment_set(
                    actor=request.user,
                    round=self.round,
                    center=center.get(),
                    evaluator=request.POST.get("evaluator", ""),
                )
                messages.success(request, _("Evaluator assigned."))
            elif action == "assign_all":
                done = 0
                evaluators = selectors.evaluators_by_district()
                assigned = set(self.round.assignments.values_list("center_id", flat=True))
                for center in selectors.assignable_centers(self.round):
                    names = evaluators.get(center.parent_id)
                    if names and center.pk not in assigned:
                        services.assignment_set(
                            actor=request.user, round=self.round, center=center, evaluator=names[0]
                        )
                        done += 1
                message = _("%(n)d centers assigned to their district's evaluator.")
                messages.success(request, message % {"n": done})
            elif action in ROUND_ACTIONS:
                service, done = ROUND_ACTIONS[action]
                service(actor=request.user, round=self.round)
                messages.success(request, str(done))
            else:
                raise Http404
        except ValidationError as exc:
            self.round.refresh_from_db()
            return self.render_to_response(self.get_context_data(errors=_errors(exc)))
        return redirect("scoring_round", self.round.pk)


class RoundPublishView(RecentAuthRequiredMixin, _Screen):
    """Publishing the ranking asks for the password again (tenants.accounts.reauth)."""

    template_name = "scoring/admin/publish.html"

    def allowed(self, request):
        return selectors.is_city_admin(request.user)

    def dispatch(self, request, *args, pk, **kwargs):
        if not self.allowed(request):
            raise PermissionDenied
        self.round = get_object_or_404(Round, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Publish %(round)s") % {"round": self.round.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", [])
        cards = list(self.round.scorecards.select_related("center__parent"))
        context.update(round=self.round, preview=services.rank_entries(self.round, cards))
        return context

    def post(self, request):
        try:
            services.round_publish(actor=request.user, round=self.round)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=_errors(exc)))
        message = _("The ranking of %(round)s is published.") % {"round": self.round}
        messages.success(request, message)
        return redirect("scoring_round", self.round.pk)


# ---------------------------------------------------------------- evaluators


class MyAssignmentsView(_Screen):
    template_name = "scoring/admin/assignments.html"
    page_title = gettext_lazy("My assignments")

    def allowed(self, request):
        return selectors.is_evaluator(request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = selectors.my_assignments(self.request.user)
        return context


def scores_from_post(post, items) -> dict:
    """The score form's fields, keyed by item code, as the services take them."""
    scores = {}
    for item in items:
        code = item.code
        entry = {}
        if f"comment_{code}" in post:
            entry["comment"] = post.get(f"comment_{code}", "")
        if item.kind in (ItemKind.MANUAL, ItemKind.BONUS) and f"points_{code}" in post:
            entry["points"] = post.get(f"points_{code}", "").strip()
        elif item.kind == ItemKind.DEDUCTION and f"faults_{code}" in post:
            entry["fault_count"] = post.get(f"faults_{code}", "").strip()
        elif item.kind == ItemKind.VETO and f"veto_present_{code}" in post:
            entry["marked"] = post.get(f"veto_{code}") == "1"
        if entry:
            scores[code] = entry
    return scores


def _mark_nodes(tree, errors: dict, posted) -> None:
    """Put each item's errors on its node and, after a refused POST, what was typed."""
    stack = list(tree)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.item.level != 3:
            continue
        code, kind = node.item.code, node.item.kind
        node.errors = errors.get(f"item_{code}", []) if isinstance(errors, dict) else []
        if posted is None:
            continue
        node.comment = posted.get(f"comment_{code}", node.comment)
        if kind in (ItemKind.MANUAL, ItemKind.BONUS):
            node.value = posted.get(f"points_{code}", node.value)
        elif kind == ItemKind.DEDUCTION:
            node.value = posted.get(f"faults_{code}", node.value)
        elif kind == ItemKind.VETO:
            node.value = "1" if posted.get(f"veto_{code}") == "1" else ""


class ScorecardView(_Screen):
    """The score form for the assigned evaluator while the round takes scores; read-only for
    everyone else who may see it (city administrator, the district's supervisors)."""

    template_name = "scoring/admin/scorecard.html"

    def allowed(self, request):
        return selectors.may_view_scorecard(request.user, self.scorecard)

    def dispatch(self, request, *args, pk, **kwargs):
        self.scorecard = get_object_or_404(
            Scorecard.objects.select_related("round__rubric", "center__parent"), pk=pk
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"{self.scorecard.center.display_name} · {self.scorecard.round.name}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", {})
        card = self.scorecard
        tree = selectors.rubric_tree(card.round.rubric, card)
        _mark_nodes(tree, context["errors"], kwargs.get("posted"))
        context.update(
            scorecard=card,
            round=card.round,
            rubric=card.round.rubric,
            tree=tree,
            editable=selectors.may_score(self.request.user, card),
            appeal=ScoreAppeal.objects.filter(scorecard=card).first(),
            today=datetime.date.today().isoformat(),
        )
        return context

    def post(self, request):
        card = self.scorecard
        items = list(card.round.rubric.items.filter(level=3))
        photos = {}
        for item in items:
            files = request.FILES.getlist(f"photo_{item.code}")
            if files:
                photos[item.code] = files
        remove = [int(pk) for pk in request.POST.getlist("remove_photo") if pk.isdigit()]
        try:
            visit = _date(request.POST.get("site_visit_date", ""))
        except ValidationError:
            errors = {"site_visit_date": [_("Enter the date as YYYY-MM-DD.")]}
            return self.render_to_response(self.get_context_data(errors=errors))
        kwargs = dict(
            actor=request.user,
            scorecard=card,
            scores=scores_from_post(request.POST, items),
            site_visit_date=visit,
            comment=request.POST.get("comment", ""),
            photos=photos,
            remove_photos=remove,
        )
        submit = request.POST.get("action") == "submit"
        try:
            if submit:
                services.scorecard_submit(**kwargs)
            else:
                services.scorecard_save_draft(**kwargs)
        except ValidationError as exc:
            context = self.get_context_data(errors=_field_errors(exc), posted=request.POST)
            return self.render_to_response(context, status=400)
        messages.success(request, _("The scorecard is submitted.") if submit else _("Draft saved."))
        return redirect("scoring_scorecard", card.pk)


def evidence_file(request, pk: int, thumb: bool = False):
    """An evidence photo (or its thumbnail), to whoever may see its scorecard."""
    photo = get_object_or_404(
        EvidencePhoto.objects.select_related("item_score__scorecard__center"), pk=pk
    )
    if not request.user.is_authenticated or not selectors.photo_viewable(request.user, photo):
        raise PermissionDenied
    field = photo.thumbnail if thumb else photo.image
    name = field.name.rsplit("/", 1)[-1]
    return private_file_response(
        field, filename=name, content_type="image/jpeg" if thumb else photo.content_type
    )


# ---------------------------------------------------------------- appeals (district)


class AppealListView(_Screen):
    template_name = "scoring/admin/appeals.html"
    page_title = gettext_lazy("Score appeals (申诉)")

    def allowed(self, request):
        return selectors.is_district_supervisor(request.user) or selectors.is_city_admin(
            request.user
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["appeals"] = selectors.district_appeals(self.request.user)
        return context


class AppealAnswerView(_Screen):
    template_name = "scoring/admin/appeal.html"

    def allowed(self, request):
        return (
            selectors.is_district_supervisor(request.user) or selectors.is_city_admin(request.user)
        ) and selectors.may_view_scorecard(request.user, self.appeal.scorecard)

    def dispatch(self, request, *args, pk, **kwargs):
        self.appeal = get_object_or_404(
            ScoreAppeal.objects.select_related("scorecard__round__rubric", "scorecard__center"),
            pk=pk,
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Appeal of %(center)s") % {"center": self.appeal.scorecard.center.display_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", {})
        card = self.appeal.scorecard
        context.update(
            appeal=self.appeal,
            scorecard=card,
            tree=selectors.rubric_tree(card.round.rubric, card),
            answerable=self.appeal.state == "pending"
            and card.round.state in (RoundState.APPEALS, RoundState.REVIEW),
        )
        return context

    def post(self, request):
        card = self.appeal.scorecard
        changes = {}
        for item in card.round.rubric.items.filter(level=3).exclude(kind=ItemKind.AUTO):
            value = request.POST.get(f"new_{item.code}", "").strip()
            if not value:
                continue
            key = {
                ItemKind.DEDUCTION: "fault_count",
                ItemKind.VETO: "marked",
            }.get(item.kind, "points")
            changes[item.code] = {
                key: (value == "1") if key == "marked" else value,
                "reason": request.POST.get(f"reason_{item.code}", ""),
            }
        try:
            services.appeal_answer(
                actor=request.user,
                appeal=self.appeal,
                answer=request.POST.get("answer", ""),
                changes=changes,
            )
        except ValidationError as exc:
            context = self.get_context_data(errors=_field_errors(exc), posted=request.POST)
            return self.render_to_response(context, status=400)
        messages.success(request, _("The appeal is answered."))
        return redirect("scoring_appeal", self.appeal.pk)


# ---------------------------------------------------------------- center domain


class ResultView(_Screen):
    """A center's scorecard as its director sees it, with the appeal form while appeals are
    open."""

    template_name = "scoring/admin/result.html"

    def allowed(self, request):
        return selectors.is_center_director(request.user) and selectors.may_view_scorecard(
            request.user, self.scorecard
        )

    def dispatch(self, request, *args, pk, **kwargs):
        center = selectors.current_center()
        if center is None:
            raise Http404
        # Only this center's scorecards exist here: another center's id is a 404.
        self.scorecard = get_object_or_404(
            Scorecard.objects.select_related("round__rubric", "center"), pk=pk, center=center
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.scorecard.round.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("errors", [])
        card = self.scorecard
        appeal = ScoreAppeal.objects.filter(scorecard=card).first()
        context.update(
            scorecard=card,
            round=card.round,
            tree=selectors.rubric_tree(card.round.rubric, card),
            appeal=appeal,
            entry=card.round.ranking.filter(center=card.center).first(),
            can_appeal=appeal is None and card.round.state == RoundState.APPEALS,
        )
        return context

    def post(self, request):
        try:
            services.appeal_file(
                actor=request.user,
                scorecard=self.scorecard,
                reasons=request.POST.get("reasons", ""),
            )
        except ValidationError as exc:
            reasons = request.POST.get("reasons", "")
            context = self.get_context_data(errors=_errors(exc), reasons=reasons)
            return self.render_to_response(context, status=400)
        messages.success(request, _("Your appeal is filed; the district will answer."))
        return redirect(reverse("scoring_result", args=[self.scorecard.pk]))
