"""SessionGuardMiddleware: ends a signed-in session that has been idle longer than
SESSION_IDLE_TIMEOUT, and otherwise records its activity (at most once a minute)."""

import time

from django.conf import settings
from django.contrib.auth import logout

from . import sessions


class SessionGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie there is no one to check: do not touch the session (that
        # would add "Vary: Cookie" to every resident's page).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            if sessions.session_idle_expired(request, now):
                request.logout_reason = "idle"
                logout(request)
            else:
                sessions.session_touch(request, now)
        return self.get_response(request)
