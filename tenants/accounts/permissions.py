"""Every permission rule of the platform, in one place, tested role by role.

`can(user, capability, target)` answers whether a user may do something. Views, API
permission classes and services ask it; nothing else decides access. Roles are bound to the
schema they live in: a city role means nothing inside a center's schema and the reverse, so a
user row that somehow appeared in the wrong schema gets no access at all.

Which domain a request is on (`on_city_domain`, `on_center_domain`, `on_domain_of`) and which
role a user holds (`is_center_director`, `is_village_agent`, ...) are asked here too, by name:
no other module compares `connection.schema_name` with the public schema or `user.role` with a
`Role`. Which steps a user may take on a case is `centers.cases.access.case_actions_for`, built
on these (the cases sit above this layer).
"""

from enum import StrEnum

from django.conf import settings
from django.db import connection
from django.db.models import Q

# The domain predicates live in the tenancy core (the audit app, below this one, needs them);
# access code reads them from here with the role checks.
from tenants.domains import on_center_domain as on_center_domain
from tenants.domains import on_city_domain as on_city_domain
from tenants.domains import on_domain_of as on_domain_of

from .models import CENTER_ROLES, CITY_ROLES, Role


class Capability(StrEnum):
    ACCESS_ADMIN = "access_admin"  # open Wagtail admin on the user's own domain
    MANAGE_CENTERS = "manage_centers"  # provision, suspend, archive centers
    EDIT_CITY_STANDARDS = "edit_city_standards"  # brand, matter templates, rubric
    PUBLISH_RANKING = "publish_ranking"
    SUPERVISE_CENTER = "supervise_center"  # target: a Center
    SCORE_CENTER = "score_center"  # target: a Center
    MANAGE_CENTER_WORKSPACE = "manage_center_workspace"  # windows, hours, catalog, pages
    MANAGE_CENTER_STAFF = "manage_center_staff"
    HANDLE_CASES = "handle_cases"
    TAKE_VILLAGE_APPLICATIONS = "take_village_applications"
    VIEW_AUDIT_LOG = "view_audit_log"  # the city: every domain's; a director: their center's
    # See a resident's full ID number, full phone number and scans (PIPL: only the roles that
    # handle the case; everyone else sees the masked forms). Each full view is audited.
    VIEW_PERSONAL_DATA = "view_personal_data"


_ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CITY_ADMIN: frozenset(
        {
            Capability.ACCESS_ADMIN,
            Capability.MANAGE_CENTERS,
            Capability.EDIT_CITY_STANDARDS,
            Capability.PUBLISH_RANKING,
            Capability.SUPERVISE_CENTER,
            Capability.VIEW_AUDIT_LOG,
        }
    ),
    Role.DISTRICT_SUPERVISOR: frozenset({Capability.ACCESS_ADMIN, Capability.SUPERVISE_CENTER}),
    Role.EVALUATOR: frozenset({Capability.ACCESS_ADMIN, Capability.SCORE_CENTER}),
    Role.CENTER_DIRECTOR: frozenset(
        {
            Capability.ACCESS_ADMIN,
            Capability.MANAGE_CENTER_WORKSPACE,
            Capability.MANAGE_CENTER_STAFF,
            Capability.HANDLE_CASES,
            Capability.VIEW_PERSONAL_DATA,
            Capability.VIEW_AUDIT_LOG,
        }
    ),
    Role.WINDOW_STAFF: frozenset(
        {Capability.ACCESS_ADMIN, Capability.HANDLE_CASES, Capability.VIEW_PERSONAL_DATA}
    ),
    Role.VILLAGE_AGENT: frozenset({Capability.ACCESS_ADMIN, Capability.TAKE_VILLAGE_APPLICATIONS}),
}


# What each role may do in Wagtail itself (pages and the media library), granted through one
# group per role in each schema by accounts.services.role_group_ensure.
ROLE_PAGE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CENTER_DIRECTOR: ("add", "change", "publish", "lock", "unlock"),
}
ROLE_COLLECTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.CENTER_DIRECTOR: (
        "wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image",
        "wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.choose_document",
    ),
}  # fmt: skip


# Roles whose users are bound to a district (its supervisors and evaluators).
DISTRICT_ROLES = frozenset({Role.DISTRICT_SUPERVISOR, Role.EVALUATOR})
# The city administrator and the district supervisors (not the evaluators).
CITY_SUPERVISOR_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_SUPERVISOR})
# The roles that handle cases at a window (the center's staff who may own a case).
CASE_HANDLER_ROLES = frozenset({Role.WINDOW_STAFF, Role.CENTER_DIRECTOR})


# --- which domain ------------------------------------------------------------------------------


# --- which role --------------------------------------------------------------------------------
# The role alone, wherever the user row lives; `can` adds the schema and the capability.


def _role(user) -> str | None:
    return getattr(user, "role", None)


def is_city_admin(user) -> bool:
    return _role(user) == Role.CITY_ADMIN


def is_district_supervisor(user) -> bool:
    return _role(user) == Role.DISTRICT_SUPERVISOR


def is_evaluator(user) -> bool:
    return _role(user) == Role.EVALUATOR


def is_center_director(user) -> bool:
    return _role(user) == Role.CENTER_DIRECTOR


def is_window_staff(user) -> bool:
    return _role(user) == Role.WINDOW_STAFF


def is_village_agent(user) -> bool:
    return _role(user) == Role.VILLAGE_AGENT


def has_center_role(user) -> bool:
    """A role of a center's staff (director, window staff, village agent)."""
    return _role(user) in CENTER_ROLES


def has_city_role(user) -> bool:
    """A role of the city's staff (the city administrator, district supervisor, evaluator)."""
    return _role(user) in CITY_ROLES


def is_city_supervisor(user) -> bool:
    """The city administrator or a district supervisor."""
    return _role(user) in CITY_SUPERVISOR_ROLES


def is_district_staff(user) -> bool:
    """A district supervisor or evaluator (bound to a district)."""
    return _role(user) in DISTRICT_ROLES


def role_needs_district(role: str) -> bool:
    """Whether a user of `role` must name the district they serve."""
    return role in DISTRICT_ROLES


# --- what a role may do ------------------------------------------------------------------------


def role_belongs_in_schema(role: str, schema_name: str) -> bool:
    if schema_name == settings.PUBLIC_SCHEMA_NAME:
        return role in CITY_ROLES
    return role in CENTER_ROLES


def role_is_superuser(role: str) -> bool:
    """The city administrator is the platform's superuser in the public schema only."""
    return role == Role.CITY_ADMIN


def can(user, capability: Capability, target=None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active or not user.role:
        return False
    if not role_belongs_in_schema(user.role, connection.schema_name):
        return False
    if capability not in _ROLE_CAPABILITIES.get(user.role, frozenset()):
        return False
    if capability in (Capability.SUPERVISE_CENTER, Capability.SCORE_CENTER):
        return _covers_center(user, target)
    return True


def may_view_personal_data(user) -> bool:
    """Whether `user` may see residents' full ID numbers, phone numbers and scans: the roles
    that handle cases (window staff, the director), in a center's own schema only. Village
    agents, the city and district staff and evaluators see the masked forms."""
    return on_center_domain() and can(user, Capability.VIEW_PERSONAL_DATA)


def may_edit_city_policy(user) -> bool:
    """Whether `user` may set the city's policies (rectification deadline, retention periods,
    appointment limits): on the city's domain, those who edit the city's standards."""
    return on_city_domain() and can(user, Capability.EDIT_CITY_STANDARDS)


def _covers_center(user, center) -> bool:
    """City administrators cover every center; district staff their district and its
    townships and streets."""
    if center is None:
        return False
    if is_city_admin(user):
        return True
    if user.district_id is None:
        return False
    return user.district_id in (center.pk, center.parent_id)


def visible_centers(user, centers):
    """Narrow a Center queryset to what the user may supervise."""
    if not can(user, Capability.ACCESS_ADMIN):
        return centers.none()
    if is_city_admin(user):
        return centers
    if is_district_staff(user) and user.district_id:
        return centers.filter(Q(pk=user.district_id) | Q(parent_id=user.district_id))
    return centers.none()


class RoleBackend:
    """Django authentication backend that grants Wagtail admin access by role, so that every
    role opens the admin on its own domain without hand-kept group rows."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if perm == "wagtailadmin.access_admin":
            return can(user_obj, Capability.ACCESS_ADMIN)
        return False

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return False
