"""tenants/media.py behind nginx: with MEDIA_X_ACCEL_REDIRECT set, Django checks the domain and
hands the file to nginx (deploy/nginx/city.conf.template, location /_protected_media/);
without it (dev, tests) Django streams the file. The same refusals either way."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context


def _save(center, name: str, content: bytes) -> str:
    with schema_context(center.schema_name):
        return default_storage.url(default_storage.save(name, ContentFile(content)))


def test_own_domain_gets_an_accel_redirect(settings, media_root, township, client_for):
    settings.MEDIA_X_ACCEL_REDIRECT = "/_protected_media/"
    url = _save(township, "images/公告 1.width-800.png", b"for nginx")
    response = client_for(township).get(url)
    assert response.status_code == 200
    assert response.content == b""
    assert "Content-Type" not in response
    relative = url.removeprefix("/media/")
    assert response["X-Accel-Redirect"] == f"/_protected_media/{relative}"
    assert (media_root / township.schema_name / "images").is_dir()


def test_without_the_setting_django_streams(settings, media_root, township, client_for):
    settings.MEDIA_X_ACCEL_REDIRECT = None
    url = _save(township, "images/b.width-800.png", b"streamed")
    response = client_for(township).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"streamed"
    assert "X-Accel-Redirect" not in response


def test_refusals_stay_with_accel(settings, media_root, township, other_township, client_for):
    settings.MEDIA_X_ACCEL_REDIRECT = "/_protected_media/"
    url = _save(township, "images/c.width-800.png", b"only for A")
    # Another center's domain, a case file, a missing file, a kind that is not public, a climb
    # out: 404, no redirect.
    for client, path in (
        (client_for(other_township), url),
        (client_for(township), f"/media/{township.schema_name}/cases/1/scan.pdf"),
        (client_for(township), f"/media/{township.schema_name}/images/missing.png"),
        (client_for(township), f"/media/{township.schema_name}/notices/anything.txt"),
        (client_for(township), f"/media/{township.schema_name}/../public/x.txt"),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "X-Accel-Redirect" not in response


def test_an_existing_case_file_is_never_handed_to_nginx(settings, media_root, township, client_for):
    settings.MEDIA_X_ACCEL_REDIRECT = "/_protected_media/"
    (media_root / township.schema_name / "cases" / "9").mkdir(parents=True)
    (media_root / township.schema_name / "cases" / "9" / "scan.pdf").write_bytes(b"%PDF-1.4")
    response = client_for(township).get(f"/media/{township.schema_name}/cases/9/scan.pdf")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
