"""Every URL pattern of a urlconf, with its path parameters filled from a center's rows.

The list is computed from django.urls.get_resolver, so the DRF router routes, Wagtail's admin
and the views that wagtail_hooks.py files register are all in it, and a new endpoint is probed
without anyone listing it."""

import re
import uuid
from dataclasses import dataclass

from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from .conftest import MATTER_CODE

ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
# A group, with at most one level of nested parentheses inside it.
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")
UNNAMED_GROUP = re.compile(r"\((?!\?)(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Endpoint:
    route: str  # the pattern as written, e.g. "api/v1/cases/<str:receipt>/"
    callback: object
    patterns: tuple

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def model(self):
        """The model a generic view (Wagtail viewset, DRF viewset) works on, if it says."""
        initkwargs = (
            getattr(self.callback, "view_initkwargs", None)
            or getattr(self.callback, "initkwargs", None)
            or {}
        )
        model = initkwargs.get("model") or getattr(self.view_class, "model", None)
        if model is None:
            queryset = getattr(self.view_class, "queryset", None)
            model = getattr(queryset, "model", None)
        return model if isinstance(model, type) and issubclass(model, Model) else None


PROJECT_PACKAGES = ("centers", "tenants", "catalog_cms", "portal", "evaluation", "cityplatform")

# The methods a view may accept. OPTIONS only to the API, whose views answer it.
METHODS = ("get", "head", "post", "put", "patch", "delete")
SAFE = ("get", "head", "options")


def accepted(endpoint: Endpoint) -> list[str]:
    """The methods the endpoint's view accepts: a DRF viewset's routed actions, a class-based
    view's handlers (DRF or Django, within its http_method_names), and every method for a
    function view, whose decorators cannot be read (it answers 405 itself if it refuses)."""
    callback = endpoint.callback
    actions = getattr(callback, "actions", None)
    api = endpoint.route.startswith("api/")
    if actions:  # a DRF router route
        found = set(actions)
        if "get" in found:
            found.add("head")
        return [m for m in (*METHODS, "options") if m in found or (m == "options" and api)]
    view_class = endpoint.view_class
    if view_class is None:
        return [*METHODS, "options"] if api else list(METHODS)
    initkwargs = (
        getattr(callback, "view_initkwargs", None) or getattr(callback, "initkwargs", None) or {}
    )
    allowed = initkwargs.get("http_method_names") or view_class.http_method_names
    return [
        m
        for m in (*METHODS, "options")
        if m in allowed
        and (
            hasattr(view_class, m)
            # Django's View.setup answers HEAD with get() when no head() is defined.
            or (m == "head" and hasattr(view_class, "get"))
        )
        and (m != "options" or api)
    ]


def runs_other_handler(endpoint: Endpoint, method: str) -> bool:
    """True when `method` on this class-based view runs exactly the handler another method
    the probe sends already ran, with the same (empty) request: HEAD without a head() of its
    own is get() (Django's View.setup, DRF's ViewSetMixin.as_view), and PUT of Django's form
    views is ProcessFormView.put, which calls post() (Django parses no PUT body)."""
    from django.views.generic.edit import ProcessFormView

    view_class = endpoint.view_class
    if view_class is None:  # a function view may branch on request.method: all are sent
        return False
    if method == "head":
        return getattr(view_class, "head", None) is None
    if method == "put":
        return getattr(view_class, "put", None) is ProcessFormView.put
    return False


def methods(endpoint: Endpoint) -> list[str]:
    """The methods the probe sends: every accepted one, each code path once."""
    return [m for m in accepted(endpoint) if not runs_other_handler(endpoint, m)]


def is_ours(endpoint: Endpoint) -> bool:
    """A view of this project (or a Wagtail generic view over one of its models)."""
    for thing in (endpoint.callback, endpoint.view_class, endpoint.model):
        if thing is not None and getattr(thing, "__module__", "").startswith(PROJECT_PACKAGES):
            return True
    return False


def endpoints(urlconf: str) -> list[Endpoint]:
    found = []

    def walk(resolver, trail):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, (*trail, pattern.pattern))
            elif isinstance(pattern, URLPattern):
                patterns = (*trail, pattern.pattern)
                route = "".join(str(p) for p in patterns)
                found.append(Endpoint(route, pattern.callback, patterns))

    walk(get_resolver(urlconf), ())
    return found


def build_path(endpoint: Endpoint, value_for) -> str:
    """The endpoint's path with each parameter replaced by value_for(name, endpoint)."""
    parts = []
    for pattern in endpoint.patterns:
        if isinstance(pattern, RoutePattern):
            parts.append(
                ROUTE_PARAM.sub(lambda m: str(value_for(m["name"], endpoint)), pattern._route)
            )
            continue
        assert isinstance(pattern, RegexPattern), pattern
        regex = pattern._regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        regex = NAMED_GROUP.sub(lambda m: str(value_for(m["name"], endpoint)), regex)
        positions = iter(range(100))
        regex = UNNAMED_GROUP.sub(
            lambda m, positions=positions: str(value_for(f"_{next(positions)}", endpoint)),
            regex,
        )
        regex = regex.replace(".*", "probe-missing").replace("/?", "/").replace("\\", "")
        parts.append(regex)
    return "/" + "".join(parts)


class Filler:
    """Path parameters from center A's rows: the marker case's receipt number, the newest row
    of the view's model, and so on. Rows that B has too (ids are per schema) are fine: B then
    shows its own row, never A's."""

    def __init__(self, world):
        from django_tenants.utils import schema_context

        self.world = world
        self._schema_context = schema_context
        self._cache = {}

    def newest(self, model) -> int | str:
        if model in self.world.ids:  # A's own row of a table every center shares
            return self.world.ids[model]
        if model not in self._cache:
            with self._schema_context(self.world.a.schema_name):
                pk = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            self._cache[model] = pk if pk is not None else 1
        return self._cache[model]

    def model_for(self, name: str, endpoint: Endpoint):
        from django.contrib.auth.models import Group
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model
        from wagtail.models import Collection, Page, Revision, TaskState, WorkflowState

        from centers.appointments.models import Appointment
        from centers.cases.models import CaseDocument, CaseFee, CaseFile, CaseTask
        from centers.feedback.models import Feedback
        from evaluation.conduct.models import Campaign
        from evaluation.conduct.models import Evaluation as ConductEvaluation
        from evaluation.rectification.models import Rectification
        from evaluation.scoring.models import EvidencePhoto, Round, Rubric, ScoreAppeal, Scorecard
        from evaluation.supervision.models import Alert
        from tenants.accounts.models import User

        route = endpoint.route
        by_name = {
            "page_id": Page, "parent_page_id": Page, "page_to_move_id": Page,
            "destination_id": Page, "page_pk": Page,
            "image_id": get_image_model(), "document_id": get_document_model(),
            "doc_id": get_document_model(), "revision_id": Revision,
            "revision_id_a": Revision, "revision_id_b": Revision, "user_id": User,
            "task_state_id": TaskState, "workflow_state_id": WorkflowState,
            "collection_id": Collection, "group_id": Group, "fee_id": CaseFee,
            "round_id": Round,
        }  # fmt: skip
        if name == "task_id" and "cases/" in route:
            return CaseTask
        if name in by_name:
            return by_name[name]
        if name not in ("pk", "id", "object_id"):
            return None
        model = endpoint.model
        if model is not None:
            return model
        for fragment, model in (
            ("supervision/alerts/", Alert), ("rectifications/", Rectification),
            ("evaluation/rubrics/", Rubric), ("evaluation/rounds/", Round),
            ("evaluation/scorecards/", Scorecard), ("evaluation/results/", Scorecard),
            ("evaluation/evidence/", EvidencePhoto), ("evaluation/appeals/", ScoreAppeal),
            ("conduct/evaluations/", ConductEvaluation), ("conduct/", Campaign),
            ("feedback/", Feedback), ("appointments/", Appointment), ("fees/", CaseFee),
            ("scans/", CaseFile), ("documents/", CaseDocument),
        ):  # fmt: skip
            if fragment in route:
                return model
        return None

    def __call__(self, name: str, endpoint: Endpoint):
        world = self.world
        model = self.model_for(name, endpoint)
        if model is not None:
            return self.newest(model)
        fixed = {
            "receipt": world.receipt,
            "code": MATTER_CODE,
            "slug": world.a.slug,
            "app_label": "workspace", "app_name": "workspace",
            "content_type_app_name": "workspace",
            "model_name": "window", "content_type_model_name": "window",
            "action": "suspend", "action_name": "delete",
            "job_id": "probe", "kind": "hall", "year": 2026, "what": "windows",
            "file_format": "xlsx", "filter_spec": "original", "uidb64": "MQ",
            "token": "probe-token", "path": world.media_path or "probe.txt",
            "center_id": world.a.pk,
            "_0": self.newest_document(endpoint), "_1": "probe.pdf",
        }  # fmt: skip
        if name in fixed:
            return fixed[name]
        if name == "pk" and "uuid" in endpoint.route:
            return uuid.uuid4()
        return 1

    def newest_document(self, endpoint):
        if endpoint.route.startswith("documents/"):
            from wagtail.documents import get_document_model

            return self.newest(get_document_model())
        return ""  # the page tree's catch-all: the home page
