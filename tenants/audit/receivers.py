"""Logins, failed logins, lockouts (django-axes) and logouts of every domain go to the audit
log. The receivers only record: they call audit_record and decide nothing."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Action
from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _login(sender, request, user, **kwargs):
    audit_record(action=Action.LOGIN, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")
    audit_record(action=Action.LOGIN_FAILED, username=username, request=request)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request=None, username=None, **kwargs):
    audit_record(action=Action.LOCKED_OUT, username=str(username or ""), request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logout(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "logout_reason", "")
    audit_record(
        action=Action.LOGOUT,
        actor=user,
        request=request,
        detail={"reason": reason} if reason else {},
    )
