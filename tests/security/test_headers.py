"""Security headers on every domain (issue 7): a strict Content-Security-Policy with nonces
and nothing from outside, frame denial, referrer policy, no sniffing; and the production
settings' cookies and HSTS."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from tests.centers.cases.conftest import login
from tests.conftest import host

from .urlwalk import Filler, build_path, endpoints

pytestmark = pytest.mark.django_db

STAFF_PREFIXES = ("/admin/", "/api/docs/")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_common_headers(response):
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"] or "blob:" in csp["img-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # Nothing from outside: every source is a keyword, a nonce or data:/blob:.
    for values in csp.values():
        for value in values:
            assert value.startswith("'") or value in ("data:", "blob:"), value
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    return csp


def nonce_of(csp) -> str | None:
    for value in csp.get("script-src", []) + csp.get("style-src", []):
        match = re.fullmatch(r"'nonce-(.+)'", value)
        if match:
            return match[1]
    return None


def test_portal_page_has_the_strict_policy_and_nothing_inline(township, client_for):
    response = client_for(township).get("/")
    assert response.status_code == 200
    assert_common_headers(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    # Residents' pages need no nonce at all: one stylesheet, the brand's colours from
    # /brand.css, no inline style or script (so a page can be cached whole).
    html = response.content.decode()
    assert "<style" not in html and "<script" not in html and " style=" not in html
    assert 'href="/brand.css?v=' in html


def test_a_status_page_carries_a_fresh_nonce(township, client_for):
    from tenants.services import center_suspend

    center_suspend(center=township, actor="test", reason="整修")
    first = client_for(township).get("/")
    assert first.status_code == 503
    nonce = nonce_of(policy(first))
    assert nonce and f'nonce="{nonce}"' in first.content.decode()
    assert nonce_of(policy(client_for(township).get("/"))) != nonce


def test_city_page_has_the_strict_policy(city, client_for):
    response = client_for(city).get("/")
    assert response.status_code == 200
    assert_common_headers(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_admin_pages_carry_the_headers_with_wagtails_allowances(township, make_user, client_for):
    from tenants.accounts.models import Role

    make_user(township, "director1", Role.CENTER_DIRECTOR)
    client = client_for(township)
    assert_common_headers(client.get("/admin/login/"))
    login(client, "director1")
    for path in ("/admin/", "/admin/cases/", "/admin/cases/new/"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = assert_common_headers(response)
        # Wagtail's own inline scripts need these; no nonce, which would void them.
        assert "'unsafe-inline'" in csp["script-src"] and nonce_of(csp) is None
        assert "'self'" in csp["connect-src"]


def test_wagtail_preview_may_be_framed_by_its_own_admin_only(township, make_user, client_for):
    from wagtail.models import Page

    from tenants.accounts.models import Role

    make_user(township, "director1", Role.CENTER_DIRECTOR)
    client = login(client_for(township), "director1")
    with schema_context(township.schema_name):
        home = Page.objects.get(depth=2)
    response = client.get(f"/admin/pages/{home.pk}/view_draft/")
    assert response.status_code == 200
    if response.get("X-Frame-Options") == "SAMEORIGIN":
        assert policy(response)["frame-ancestors"] == ["'self'"]


def test_api_responses_carry_the_headers(township, make_user, client_for):
    from tenants.accounts.models import Role

    make_user(township, "clerk1", Role.WINDOW_STAFF)
    client = client_for(township)
    assert_common_headers(client.get("/api/v1/cases/"))  # 401/403
    login(client, "clerk1")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    csp = assert_common_headers(response)
    assert "'unsafe-inline'" not in json.dumps(csp)


def test_status_pages_of_unknown_domains_carry_the_headers(db):
    response = Client(HTTP_HOST=f"nobody.{settings.CITY_DOMAIN}").get("/")
    assert response.status_code == 404
    csp = assert_common_headers(response)
    nonce = nonce_of(csp)
    assert nonce and f'<style nonce="{nonce}">' in response.content.decode()


def test_production_settings_secure_the_cookies_and_send_hsts():
    code = (
        "import json; from cityplatform.settings import production as s; print(json.dumps("
        "{k: getattr(s, k) for k in ('SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', "
        "'SECURE_REFERRER_POLICY', 'X_FRAME_OPTIONS')}))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root / "platform",
        # What production settings refuse to start without (tests/deploy/test_settings.py).
        env={
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": ".city.example",
            "DATABASE_URL": "postgres://city:secret@db.city.example:5432/cityservice",
            "PII_ENCRYPTION_KEYS": "prod-test-encryption-key-not-secret",
            "PII_HASH_KEY": "prod-test-hash-key-not-secret-0123456789",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = json.loads(out.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["CSRF_COOKIE_SECURE"] and values["CSRF_COOKIE_HTTPONLY"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"


def _inline_offenders(html: str, nonce: str | None) -> list[str]:
    """Inline code the strict policy blocks: <script>/<style> blocks without the response's
    nonce, style="" attributes and on*="" handlers."""
    soup = BeautifulSoup(html, "html.parser")
    offenders = []
    for tag in soup.find_all(["script", "style"]):
        if tag.name == "script" and (tag.get("src") or "json" in (tag.get("type") or "")):
            continue
        if not nonce or tag.get("nonce") != nonce:
            offenders.append(f"<{tag.name}> {str(tag)[:80]!r}")
    for tag in soup.find_all(True):
        if tag.has_attr("style"):
            offenders.append(f'<{tag.name} style="{tag["style"][:40]}">')
        handlers = [name for name in tag.attrs if name.startswith("on")]
        if handlers:
            offenders.append(f"<{tag.name} {' '.join(handlers)}=...>")
    return offenders


def test_inline_code_without_the_nonce_is_found():
    html = (
        '<style nonce="n1">a{}</style><style>b{}</style><script nonce="n2">x()</script>'
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
        '<p style="color:red" onclick="y()">z</p>'
    )
    assert len(_inline_offenders(html, "n1")) == 4


def test_every_portal_page_has_no_inline_code_without_the_nonce(world):
    """Every page outside the staff admin, of both domains (the computed URL list plus every
    live Wagtail page), rendered anonymously: its inline code carries the nonce."""
    from wagtail.models import Page

    offenders = []
    for center, urlconf in (
        (world.a, settings.ROOT_URLCONF),
        (world.city, settings.PUBLIC_SCHEMA_URLCONF),
    ):
        filler = Filler(world)
        paths = {build_path(endpoint, filler) for endpoint in endpoints(urlconf)}
        with schema_context(center.schema_name):
            paths |= {page.url_path.removeprefix("/home") for page in Page.objects.live()}
        client = Client(HTTP_HOST=host(center), raise_request_exception=False)
        for path in sorted(paths):
            if path.startswith(STAFF_PREFIXES) or not path.startswith("/"):
                continue
            response = client.get(path)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            nonce = nonce_of(policy(response))
            for offender in _inline_offenders(response.content.decode(), nonce):
                offenders.append(f"{host(center)}{path}: {offender}")
    assert not offenders, "\n".join(offenders)
