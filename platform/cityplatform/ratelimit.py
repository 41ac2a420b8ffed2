"""Fixed-window counters in Redis (the default cache) for the public forms: per client address
(`client_ip`, which the audit log records too) and per looked-up number. A cache outage
counts nothing — the forms fail open and /healthz reports the outage."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def key(scope: str, value: str) -> str:
    """The counter's key: the value is hashed, so no address or number sits in Redis."""
    digest = hashlib.sha256((value or "unknown").encode()).hexdigest()[:32]
    return f"{scope}:{digest}"


def hit(counter_key: str, window: int) -> int:
    """Add one to the counter and return its value in the current window."""
    try:
        cache.add(counter_key, 0, window)
        try:
            value = cache.incr(counter_key)
        except ValueError:  # expired between add and incr
            cache.add(counter_key, 1, window)
            value = 1
    except Exception:
        return 0
    return int(value or 0)


def count(counter_key: str) -> int:
    """The counter's value without adding to it."""
    return int(cache.get(counter_key) or 0)


def retry_after(counter_key: str, window: int) -> int:
    """Seconds until the counter's window ends (the whole window when unknown)."""
    ttl = cache.ttl(counter_key) if hasattr(cache, "ttl") else None
    return int(ttl) if isinstance(ttl, int) and ttl > 0 else window


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind N trusted proxies (DRF's NUM_PROXIES
    setting, which the proxies' X-Forwarded-For must honour), the address the outermost
    trusted proxy saw. A client-sent X-Forwarded-For is never trusted on its own."""
    from rest_framework.settings import api_settings

    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = api_settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote
