"""Fixed-window limits in Redis for cancelling an appointment, like the progress lookup's: a
booking number that has had CANCEL_FAILURE_LIMIT failed attempts (a wrong pair of number and
phone digits) is locked for the rest of the window, whatever address the guesses come from and
even with the right digits, so the four digits cannot be guessed one by one. The per-address
limit of the portal's POSTs (portal/appointments.py) stops a walk over numbers."""

from __future__ import annotations

from cityplatform import ratelimit

CANCEL_FAILURE_LIMIT = 5
CANCEL_FAILURE_WINDOW_SECONDS = 3600


class CancelLocked(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(number: str) -> str:
    return ratelimit.key("appointments:cancel-fail", (number or "").strip().upper())


def cancel_check(number: str) -> None:
    """Raise CancelLocked when the booking number has had too many failed attempts."""
    if not number:
        return
    key = _key(number)
    if ratelimit.count(key) >= CANCEL_FAILURE_LIMIT:
        raise CancelLocked(ratelimit.retry_after(key, CANCEL_FAILURE_WINDOW_SECONDS))


def cancel_failure(number: str) -> None:
    """Count one failed attempt on a booking number (whether or not it exists)."""
    if number:
        ratelimit.hit(_key(number), CANCEL_FAILURE_WINDOW_SECONDS)
