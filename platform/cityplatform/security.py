"""Security headers (issue 7): one Content-Security-Policy for every domain, city and center.

Every page of ours gets the strict policy of settings.CONTENT_SECURITY_POLICY: everything from
our own origin, no outside CDN, no inline script or style except the blocks that carry the
request's nonce (`nonce="{{ request.csp_nonce }}"`), no framing.

Wagtail's admin (and the Swagger UI of /api/docs/, both staff-only) is not CSP-clean yet:
Wagtail's own templates write inline <script> blocks (the page explorer, date and time
widgets, inline panels) and inline style attributes. Under STAFF_PREFIXES the policy therefore
allows inline script and style, still from our own origin only, and no eval (no admin page
tests/security/test_csp_browser.py opens needs it). The nonce is left out of that policy on
purpose: a browser that sees a nonce ignores 'unsafe-inline', which would break Wagtail's own
inline scripts.

frame-ancestors follows X-Frame-Options: 'none' everywhere, 'self' for the responses Wagtail
marks SAMEORIGIN (the live preview panel frames its own preview view).
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

STAFF_PREFIXES = ("/admin/", "/api/docs/")


def staff_policy() -> dict:
    """The strict policy, loosened for Wagtail's admin."""
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["script-src"] = [SELF, UNSAFE_INLINE]
    directives["style-src"] = [SELF, UNSAFE_INLINE]
    # Image previews of uploads before they are saved.
    directives["img-src"] = [SELF, "data:", "blob:"]
    return directives


class CityCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        if parts.config is None and request.path_info.startswith(STAFF_PREFIXES):
            parts.config = staff_policy()
            parts.nonce = None
        if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [SELF]}
        return parts
