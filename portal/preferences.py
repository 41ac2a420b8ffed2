"""Display preferences a resident keeps in their own browser: the elder-friendly mode (适老化
模式: larger type, higher contrast, bigger targets). A cookie remembers it for a year; the
switch is a plain form, so it works without JavaScript, and it is the same on every domain."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

ELDER_COOKIE = "elder_mode"
ELDER_COOKIE_AGE = 365 * 24 * 3600


def elder_mode_on(request: HttpRequest) -> bool:
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponseRedirect:
    """Turn the elder-friendly mode on (`mode=on`) or off (anything else), then go back."""
    response = HttpResponseRedirect(_safe_next(request))
    if request.POST.get("mode") == "on":
        response.set_cookie(
            ELDER_COOKIE,
            "1",
            max_age=ELDER_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
