"""Service guides (服务指南) on each center's domain: `/guides/`, an index of the center's
catalog by category and by life event, and `/guides/<matter code>/`, one guide per matter.

Guides are rendered from the center's own catalog (centers.catalog.models.LocalMatter), so
there is no copy to keep in step. The rendered body of each page is cached per center (the
cache keys carry the schema through django_tenants' make_key) under the catalog's version
(centers.catalog.cache), which every catalog or window change moves on. The whole page is
cached too, per language, display mode and brand: a page carries no CSRF token and no nonce
(portal.preferences), so it is the same for every visitor; a request with a query string is
rendered around the cached body instead."""

from __future__ import annotations

from collections import defaultdict

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog_cms.standards.selectors import brand_signature, city_brand, material_samples
from catalog_cms.standards.vocab import AUTHORITY_RANK, AuthorityLevel, ProcessingMode
from centers.catalog.cache import VERSION_KEY, catalog_version
from centers.catalog.models import LocalMatter
from centers.feedback.selectors import published_questions
from centers.workspace.models import Window

from .preferences import elder_mode_on

CACHE_SECONDS = 3600
NINE_ELEMENTS = (
    "handling_body",
    "legal_basis",
    "conditions",
    "procedure",
    "time_limit_text",
    "result",
    "fee_basis",
    "fee_standard",
    "supervision",
)


def cache_key(page: str, code: str = "") -> str:
    """The key of a rendered guide body: page, matter and language (the schema is added by
    the cache's key function). The value carries the catalog version it was rendered under."""
    return f"portal:guides:{get_language()}:{page}:{code}"


# --- reads ------------------------------------------------------------------------------------


def guide_index(center) -> dict:
    """The catalog grouped by category and by life event (each sorted by name)."""
    matters = list(
        LocalMatter.objects.order_by("category_name", "name", "code").only(
            "code", "name", "category_name", "life_events", "online", "mode", "authority_level"
        )
    )
    by_category: dict[str, list] = defaultdict(list)
    by_event: dict[str, list] = defaultdict(list)
    for matter in matters:
        row = {
            "code": matter.code,
            "name": matter.name,
            "online": matter.online,
            "mode": matter.get_mode_display(),
            "agency": _decided_by(matter, center) is not None,
        }
        by_category[matter.category_name or _("Other")].append(row)
        for event in matter.life_events or []:
            if isinstance(event, str) and event.strip():
                by_event[event.strip()].append(row)
    return {
        "count": len(matters),
        "online_count": sum(1 for m in matters if m.online),
        "categories": sorted(by_category.items()),
        "life_events": sorted((k, sorted(v, key=lambda r: r["name"])) for k, v in by_event.items()),
    }


def _own_level(center) -> str:
    if center is not None and getattr(center, "kind", "") == "district":
        return AuthorityLevel.DISTRICT
    return AuthorityLevel.TOWNSHIP


def _decided_by(matter: LocalMatter, center) -> str | None:
    """For a 代办 matter (authority above this center's level) or a 上报 matter, the level
    that decides it; None when this center decides."""
    own = AUTHORITY_RANK[_own_level(center)]
    level = matter.authority_level
    if level in AUTHORITY_RANK and AUTHORITY_RANK[level] > own:
        return str(AuthorityLevel(level).label)
    if matter.mode == ProcessingMode.REPORT:
        above = sorted((rank, lv) for lv, rank in AUTHORITY_RANK.items() if rank > own)
        return str(AuthorityLevel(above[0][1]).label) if above else None
    return None


def guide_data(matter: LocalMatter, center) -> dict:
    """Everything a guide page shows of one matter."""
    windows = list(Window.objects.filter(matters=matter).order_by("number"))
    samples = material_samples(matter.template_id) if matter.template_id else {}
    return {
        "matter": matter,
        "elements": [
            (str(LocalMatter._meta.get_field(name).verbose_name), getattr(matter, name))
            for name in NINE_ELEMENTS
        ],
        "materials": [
            {
                "name": m.get("name", ""),
                "originals": m.get("originals", 0) or 0,
                "copies": m.get("copies", 0) or 0,
                "required": m.get("required", True),
                "note": m.get("note", ""),
                "sample": samples.get(m.get("name", "")),
            }
            for m in matter.materials or []
            if isinstance(m, dict)
        ],
        # The city template's questions, then the center's answered questions it published.
        "questions": [
            q for q in matter.questions or [] if isinstance(q, dict) and q.get("question")
        ]
        + published_questions(matter.code),
        "life_events": [e for e in matter.life_events or [] if isinstance(e, str)],
        "mode": matter.get_mode_display(),
        "immediate": matter.mode == ProcessingMode.IMMEDIATE,
        "windows": windows,
        "window_text": matter.window_text,
        "decided_by": _decided_by(matter, center),
        "authority": matter.get_authority_level_display(),
    }


# --- views ------------------------------------------------------------------------------------


def _cached(key: str, build) -> dict | None:
    """The cached {"title", "body", "version"} under `key` if it was rendered under the
    catalog's current version, else built (and cached); None when `build` finds nothing (not
    cached, so a matter created later shows at once). The version and the page come in one
    round trip to the cache."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = catalog_version()
    page = found.get(key)
    if page is None or page.get("version") != version:
        page = build()
        if page is None:
            return None
        page["version"] = version
        cache.set(key, page, CACHE_SECONDS)
    return page


def _whole_page(request, key: str, template: str, build) -> HttpResponse:
    """The page under `key`: whole from the cache when it was rendered under the catalog's
    current version for the same language, display mode and brand (one cache round trip),
    else rendered around the cached body (`_cached`) and kept whole."""
    if request.GET:
        page_key = None
        found = {}
    else:
        mode = "elder" if elder_mode_on(request) else "standard"
        page_key = f"{key}:page:{mode}:{brand_signature(city_brand())}"
        found = cache.get_many([VERSION_KEY, page_key])
    version = found.get(VERSION_KEY)
    whole = found.get(page_key)
    if whole is not None and whole["version"] == version:
        return HttpResponse(whole["html"])
    page = _cached(key, build)
    if page is None:
        raise Http404(_("No such matter in this center's catalog."))
    html = render_to_string(
        template, {"body": mark_safe(page["body"]), "title": page["title"]}, request
    )
    if page_key is not None:
        cache.set(page_key, {"version": page["version"], "html": html}, CACHE_SECONDS)
    return HttpResponse(html)


@require_GET
def guides(request):
    center = getattr(request, "tenant", None)
    return _whole_page(
        request,
        cache_key("index"),
        "portal/guides/index.html",
        lambda: {
            "title": "",
            "body": render_to_string("portal/guides/_index_body.html", guide_index(center)),
        },
    )


@require_GET
def guide(request, code: str):
    center = getattr(request, "tenant", None)

    def build():
        matter = LocalMatter.objects.filter(code=code).first()
        if matter is None:
            return None
        return {
            "title": matter.name,
            "body": render_to_string("portal/guides/_guide_body.html", guide_data(matter, center)),
        }

    return _whole_page(request, cache_key("guide", code), "portal/guides/guide.html", build)
