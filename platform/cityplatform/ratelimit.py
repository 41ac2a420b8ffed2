"""Fixed-window counters in Redis (the default cache) for the public forms: per client address
(`client_bucket`: an IPv4 address, or the /64 network of an IPv6 one, since one subscriber
holds a whole /64) and per looked-up number. A cache outage counts nothing — those limits fail
open and /healthz reports the outage.

The daily SMS cap per phone number (`sms_quota_take`) is the exception: it fails closed. Every
public form that makes the product text a phone number the visitor typed counts against it,
city-wide, and when Redis cannot count, the form refuses (SmsQuotaUnavailable) instead of
letting a bot send unlimited messages. Forms that only read stay open."""

from __future__ import annotations

import hashlib
import ipaddress
import re

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _


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


IPV6_BUCKET_PREFIX = 64


def client_bucket(request) -> str:
    """What every per-address limit counts: the client's IPv4 address, or the /64 network of
    its IPv6 address (an IPv4-mapped IPv6 address counts as the IPv4 one). Walking the
    addresses of one /64 therefore stays under one limit. Anything unparsable (no address at
    all included) is returned as is, like client_ip returns it."""
    return address_bucket(client_ip(request))


def axes_client_bucket(request) -> str | None:
    """`client_bucket` for django-axes, which stores it in an inet column: None when the
    request carries no usable address (a test's force_login, a misconfigured proxy) rather
    than a word PostgreSQL refuses."""
    bucket = client_bucket(request)
    try:
        ipaddress.ip_network(bucket, strict=False)
    except ValueError:
        return None
    return bucket


def address_bucket(address: str) -> str:
    """`client_bucket` for an address string."""
    try:
        parsed = ipaddress.ip_address((address or "").strip().split("%")[0])
    except ValueError:
        return address or ""
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        network = ipaddress.IPv6Network(f"{parsed}/{IPV6_BUCKET_PREFIX}", strict=False)
        return str(network)
    return str(parsed)


# --- the daily SMS cap per phone number --------------------------------------------------------

SMS_QUOTA_KEY_PREFIX = "sms-quota"
SMS_QUOTA_TTL_SECONDS = 2 * 24 * 3600  # a day's counter outlives its day; keys carry the date


class SmsQuotaExceeded(Exception):
    """The phone number has had its day's share of messages from the public forms."""

    def __init__(self):
        super().__init__(
            _(
                "This phone number has reached today's limit of text messages from our online "
                "forms (%(cap)s). Please try again tomorrow, or come to the center in person."
            )
            % {"cap": sms_daily_cap()}
        )


class SmsQuotaUnavailable(Exception):
    """Redis cannot count the messages, so the form refuses rather than send without limit."""

    def __init__(self):
        super().__init__(
            _(
                "We cannot send text messages right now, so this form is closed for a moment. "
                "Nothing was saved; please try again in a few minutes, or come to the center "
                "in person."
            )
        )


def sms_daily_cap() -> int:
    return int(getattr(settings, "SMS_PUBLIC_DAILY_CAP", 10))


def _sms_connection():
    """The raw Redis client of the default cache, whose errors are not swallowed (the cache's
    IGNORE_EXCEPTIONS would count nothing and let every message through)."""
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def sms_quota_key(phone: str, day=None) -> str:
    """City-wide (no schema in it: a bot moving between centers meets the same count); the
    number is hashed, so no phone number sits in Redis."""
    day = day or timezone.localdate()
    number = re.sub(r"[\s()-]", "", phone or "")
    digest = hashlib.sha256(number.encode()).hexdigest()[:32]
    return f"{SMS_QUOTA_KEY_PREFIX}:{day:%Y%m%d}:{digest}"


def sms_quota_take(phone: str) -> int:
    """Count one public form that will text `phone` and return today's count; raise
    SmsQuotaExceeded over the cap (SMS_PUBLIC_DAILY_CAP) and SmsQuotaUnavailable when Redis
    cannot be reached. Call it after the form is valid and before anything is saved."""
    from redis.exceptions import RedisError

    key = sms_quota_key(phone)
    try:
        client = _sms_connection()
        pipe = client.pipeline()
        pipe.incr(key)
        pipe.expire(key, SMS_QUOTA_TTL_SECONDS)
        value = int(pipe.execute()[0])
    except (RedisError, OSError) as exc:
        raise SmsQuotaUnavailable() from exc
    if value > sms_daily_cap():
        raise SmsQuotaExceeded()
    return value


def sms_quota_used(phone: str) -> int:
    """Today's count for `phone` (0 when Redis cannot say)."""
    from redis.exceptions import RedisError

    try:
        return int(_sms_connection().get(sms_quota_key(phone)) or 0)
    except (RedisError, OSError):
        return 0


def sms_quota_require(phone: str, *, field: str = "phone") -> int:
    """`sms_quota_take` for a form: its refusals as ValidationError({field: [message]})."""
    from django.core.exceptions import ValidationError

    try:
        return sms_quota_take(phone)
    except (SmsQuotaExceeded, SmsQuotaUnavailable) as exc:
        raise ValidationError({field: [str(exc)]}) from exc
