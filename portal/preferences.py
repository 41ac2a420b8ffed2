"""Display preferences a resident keeps in their own browser: the elder-friendly mode (适老化
模式: larger type, higher contrast, bigger targets) and the language. A cookie remembers each;
the switches are plain forms, so they work without JavaScript, and are the same on every
domain.

The switches carry no CSRF token (both views are csrf_exempt): all a forged post can do is
change how the next page looks in the resident's own browser, and a page without a token
(and without a per-request nonce: the brand's colours come from `/brand.css`) is the same for
every visitor, so portal.guides can keep it whole in the cache."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from catalog_cms.standards.selectors import brand_signature, city_brand

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


@csrf_exempt
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


# Django's own language switch, without the token (see the module's docstring).
set_language = csrf_exempt(django_set_language)

BRAND_CSS_MAX_AGE = 365 * 24 * 3600


@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    """The brand's two colours as CSS custom properties. Pages link it as
    `/brand.css?v=<brand signature>`: under the current signature it is kept a year, under any
    other a minute (an old page asking for the colours it was made with gets today's)."""
    brand = city_brand()
    css = f":root{{--brand:{brand.primary_color};--accent:{brand.accent_color}}}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    current = request.GET.get("v") == brand_signature(brand)
    max_age = BRAND_CSS_MAX_AGE if current else 60
    response["Cache-Control"] = f"public, max-age={max_age}" + (", immutable" if current else "")
    return response
