"""Sessions are registered on login and forgotten on logout; the receivers only call
tenants.accounts.sessions, and a fresh login counts as a recent authentication."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import reauth, sessions


@receiver(user_logged_in, dispatch_uid="accounts_session_started")
def _logged_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    sessions.session_started(user=user, request=request)
    reauth.mark_recent_auth(request)


@receiver(user_logged_out, dispatch_uid="accounts_session_ended")
def _logged_out(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.session_ended(session_key=request.session.session_key)
