"""Re-authentication before sensitive actions (creating users, changing roles, publishing a
ranking): the user must have entered their password within `max_age` seconds (a fresh login
counts). `require_recent_auth` guards a view function, `RecentAuthRequiredMixin` a class-based
view; an HTML request is sent to /admin/reauth/?next=<here>, an API request gets 403 with the
code "reauth_required" and the address of that form."""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

REAUTH_KEY = "_reauth_at"


def mark_recent_auth(request) -> None:
    request.session[REAUTH_KEY] = int(time.time())


def has_recent_auth(request, max_age: int | None = None) -> bool:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    at = session.get(REAUTH_KEY) if session is not None else None
    limit = settings.REAUTH_MAX_AGE if max_age is None else max_age
    return at is not None and time.time() - at <= limit


def reauth_url(next_url: str) -> str:
    return f"{reverse('accounts_reauth')}?{urlencode({'next': next_url})}"


def reauth_response(request):
    """Where a request without a recent authentication goes."""
    url = reauth_url(request.get_full_path())
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": _("Enter your password again to do this."),
                "code": "reauth_required",
                "reauth_url": url,
            },
            status=403,
        )
    return redirect(url)


def require_recent_auth(view=None, *, max_age: int | None = None):
    """`@require_recent_auth` or `@require_recent_auth(max_age=300)` on a view function."""

    def decorate(func):
        @functools.wraps(func)
        def wrapped(request, *args, **kwargs):
            if not has_recent_auth(request, max_age):
                return reauth_response(request)
            return func(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


class RecentAuthRequiredMixin:
    """For class-based views (Django or DRF): every method needs a recent authentication."""

    reauth_max_age: int | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_recent_auth(request, self.reauth_max_age):
            return reauth_response(request)
        return super().dispatch(request, *args, **kwargs)
