"""Wagtail admin: /admin/reauth/, and the users screens guarded and audited. Creating, editing
and deleting a user needs a recent password (tenants.accounts.reauth); what the edit changed
in permissions (groups, superuser, active) goes to the audit log."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from tenants.audit.models import Action
from tenants.audit.services import audit_record

from .reauth import has_recent_auth, reauth_response
from .services import may_manage_staff
from .views import LockoutsView, ReauthView


@hooks.register("register_admin_urls")
def register_reauth_url():
    return [
        path("reauth/", ReauthView.as_view(), name="accounts_reauth"),
        path("lockouts/", LockoutsView.as_view(), name="accounts_lockouts"),
    ]


class LockoutsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_manage_staff(request.user)


@hooks.register("register_settings_menu_item")
def register_lockouts_menu_item():
    return LockoutsMenuItem(
        _("Locked accounts"), reverse("accounts_lockouts"), name="lockouts", icon_name="lock"
    )


def _permissions_of(user) -> dict:
    return {
        "role": user.role,
        "is_superuser": user.is_superuser,
        "is_active": user.is_active,
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }


def _require_recent_auth(request):
    if not has_recent_auth(request):
        return reauth_response(request)
    return None


@hooks.register("before_create_user")
def _before_create_user(request):
    return _require_recent_auth(request)


@hooks.register("before_edit_user")
def _before_edit_user(request, user):
    response = _require_recent_auth(request)
    if response is None:
        request.audit_user_before = _permissions_of(user)
    return response


@hooks.register("before_delete_user")
def _before_delete_user(request, user):
    return _require_recent_auth(request)


@hooks.register("after_create_user")
def _after_create_user(request, user):
    audit_record(
        action=Action.USER_CREATED,
        actor=request.user,
        request=request,
        obj=user.get_username(),
        detail=_permissions_of(user),
    )


@hooks.register("after_edit_user")
def _after_edit_user(request, user):
    before = getattr(request, "audit_user_before", None)
    after = _permissions_of(user)
    if before is not None and before != after:
        audit_record(
            action=Action.PERMISSIONS_CHANGED,
            actor=request.user,
            request=request,
            obj=user.get_username(),
            detail={"from": before, "to": after},
        )


@hooks.register("after_delete_user")
def _after_delete_user(request, user):
    audit_record(
        action=Action.USER_DELETED, actor=request.user, request=request, obj=user.get_username()
    )
