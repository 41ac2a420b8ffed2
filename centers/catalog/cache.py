"""The version of this center's catalog, kept in the cache: pages rendered from the catalog
(the portal's guides) put it in their cache keys, and every catalog change moves it on, so a
change shows at once and stale entries simply expire. Keys are per schema already
(django_tenants' make_key), so each center has its own version."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "catalog:version"


def _fresh() -> int:
    # Never an earlier value: a version lost from the cache must not bring old pages back.
    return time.time_ns()


def catalog_version() -> int:
    """The current version (created on first use)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _fresh(), None)
        version = cache.get(VERSION_KEY) or 0
    return int(version)


def _bump() -> None:
    cache.set(VERSION_KEY, _fresh(), None)


def catalog_changed() -> None:
    """Call inside the transaction that changes the catalog (or what guides show of it): the
    version moves now and again after commit, so a page rendered from the old rows before
    the commit is not kept under the new version."""
    _bump()
    transaction.on_commit(_bump)


def catalog_changed_for(center, hostname: str = "") -> None:
    """`catalog_changed` for a restored center (a restore's step, run in its schema)."""
    catalog_changed()
