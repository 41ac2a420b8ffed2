"""Shared helpers of the browser tests (Debian's chromium through Playwright, against the
`live_gunicorn` fixture): launching chromium, reaching the server on its port from the links
the pages print, full-page screenshots, and small real files to upload."""

from __future__ import annotations

import re
import struct
import zlib
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Center domains are <slug>.localhost: never ask a resolver for them.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def launch(playwright):
    """Debian's chromium, headless (a prerequisite: skipped without it, failed under CI)."""
    from tests.prerequisites import require

    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)


def server_port(live_url: str) -> int:
    return int(live_url.rsplit(":", 1)[1])


def reach_server_from_links(context, port: int) -> None:
    """Pages link other domains (the directory a center's portal, the city search a center's
    guide) with settings.CITY_URL_PORT; the test server listens elsewhere, so the browser
    sends those requests to the test server's port instead."""
    from django.conf import settings

    printed = settings.CITY_URL_PORT
    if printed == port:
        return
    pattern = re.compile(rf"^http://(?:[a-z0-9-]+\.)*localhost:{printed}/")

    def forward(route):
        url = route.request.url.replace(f"localhost:{printed}/", f"localhost:{port}/", 1)
        route.continue_(url=url)

    context.route(pattern, forward)


def serve_static(context) -> None:
    """The test server (gunicorn, no static files app) does not serve /static/; in production
    the web server in front does. The browser answers those requests from Django's static
    finders, so pages and screenshots look as residents see them."""
    import mimetypes
    from urllib.parse import unquote, urlsplit

    from django.conf import settings
    from django.contrib.staticfiles import finders

    prefix = settings.STATIC_URL

    def fulfil(route):
        found = finders.find(unquote(urlsplit(route.request.url).path[len(prefix) :]))
        if not found:
            route.fulfill(status=404, body="")
            return
        kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
        route.fulfill(path=found, content_type=kind)

    context.route(re.compile(rf"^http://[^/]+{re.escape(prefix)}"), fulfil)


def screenshot(page, folder: str, name: str) -> Path:
    """A full-page screenshot into var/screenshots/<folder>/<name>.png (var/ is ignored)."""
    path = SCREENSHOTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A real PNG: a grey square."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(text: str = "scan") -> bytes:
    """A real one-page PDF (with a correct cross-reference table) showing `text`."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@contextmanager
def browser_page(live_gunicorn: str, viewport=DESKTOP):
    """A page in a fresh chromium whose links to other domains reach the test server and
    whose /static/ requests are answered (see reach_server_from_links and serve_static)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(locale="zh-CN", viewport=viewport)
            context.set_default_timeout(15_000)
            reach_server_from_links(context, server_port(live_gunicorn))
            serve_static(context)
            yield context.new_page()
        finally:
            browser.close()
