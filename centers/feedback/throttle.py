"""Fixed-window limits in Redis (the default cache) for the public feedback forms: per client
address for submissions and lookups, and per tracking number for failed lookups."""

from __future__ import annotations

from cityplatform import ratelimit

SUBMIT_LIMIT = 5
SUBMIT_WINDOW_SECONDS = 600
TRACK_IP_LIMIT = 10
TRACK_IP_WINDOW_SECONDS = 60
TRACK_FAILURE_LIMIT = 10
TRACK_FAILURE_WINDOW_SECONDS = 3600


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(kind: str, value: str) -> str:
    return ratelimit.key(f"feedback:{kind}", value)


def submit_check(client_ip: str) -> None:
    """Count one submission attempt from `client_ip`; raise Throttled over the limit."""
    key = _key("submit", client_ip or "unknown")
    if ratelimit.hit(key, SUBMIT_WINDOW_SECONDS) > SUBMIT_LIMIT:
        raise Throttled(ratelimit.retry_after(key, SUBMIT_WINDOW_SECONDS))


def track_check(client_ip: str, tracking_number: str) -> None:
    """Count one lookup from `client_ip`; raise Throttled when the address is over its limit
    or the tracking number has had too many failed lookups."""
    key = _key("track-ip", client_ip or "unknown")
    if ratelimit.hit(key, TRACK_IP_WINDOW_SECONDS) > TRACK_IP_LIMIT:
        raise Throttled(ratelimit.retry_after(key, TRACK_IP_WINDOW_SECONDS))
    if tracking_number:
        failures_key = _key("track-fail", tracking_number)
        if ratelimit.count(failures_key) >= TRACK_FAILURE_LIMIT:
            raise Throttled(ratelimit.retry_after(failures_key, TRACK_FAILURE_WINDOW_SECONDS))


def track_failure(tracking_number: str) -> None:
    if tracking_number:
        ratelimit.hit(_key("track-fail", tracking_number), TRACK_FAILURE_WINDOW_SECONDS)
