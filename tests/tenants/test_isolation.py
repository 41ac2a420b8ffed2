"""A user, page or object of center A is never reachable from center B's domain or with B's
credentials."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from tenants.accounts.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_unknown_domain_is_404_never_another_site(township, client_for):
    from django.test import Client

    response = Client(HTTP_HOST="nowhere.localhost").get("/")
    assert response.status_code == 404
    assert "清水台镇" not in response.content.decode()


def test_each_domain_serves_its_own_home_page(township, other_township, client_for):
    a = client_for(township).get("/")
    b = client_for(other_township).get("/")
    assert a.status_code == b.status_code == 200
    assert "清水台镇政务服务中心" in a.content.decode()
    assert "清水台镇" not in b.content.decode()
    assert "虎石台街道政务服务中心" in b.content.decode()


def test_page_of_a_is_not_reachable_on_b(township, other_township, client_for):
    from wagtail.models import Page

    from portal.models import CenterHomePage

    with schema_context(township.schema_name):
        home = CenterHomePage.objects.get()
        home.add_child(instance=Page(title="仅限清水台", slug="only-a", live=True))
    assert client_for(township).get("/only-a/").status_code == 200
    assert client_for(other_township).get("/only-a/").status_code == 404


def test_login_of_a_does_not_work_on_b(township, other_township, make_user, client_for):
    make_user(township, "zhang", Role.WINDOW_STAFF)
    on_a = client_for(township)
    on_b = client_for(other_township)
    response = on_a.post("/admin/login/", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 302
    assert on_a.get("/admin/").status_code == 200
    # B has no such user: the same credentials fail there.
    response = on_b.post("/admin/login/", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in on_b.session
    # A's session cookie means nothing on B's domain.
    on_b.cookies = on_a.cookies
    assert on_b.get("/admin/").status_code == 302


def test_session_of_a_is_not_accepted_on_b_even_with_same_user_id(
    township, other_township, make_user, client_for
):
    make_user(township, "zhang", Role.WINDOW_STAFF)
    make_user(other_township, "li", Role.WINDOW_STAFF)
    on_a = client_for(township)
    on_a.post("/admin/login/", {"username": "zhang", "password": PASSWORD})
    on_b = client_for(other_township)
    on_b.cookies = on_a.cookies
    response = on_b.get("/api/v1/me/")
    assert response.status_code == 401


def test_api_token_of_a_is_rejected_on_b(township, other_township, make_user, client_for):
    user = make_user(township, "zhang", Role.WINDOW_STAFF)
    with schema_context(township.schema_name):
        token = Token.objects.create(user=user)
    header = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client_for(township).get("/api/v1/me/", **header).json()["username"] == "zhang"
    assert client_for(other_township).get("/api/v1/me/", **header).status_code == 401


def test_city_user_cannot_log_in_on_a_center(township, city_admin, client_for):
    response = client_for(township).post(
        "/admin/login/", {"username": "city-admin", "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, no session


def test_media_of_a_is_not_served_on_b(township, other_township, client_for):
    with schema_context(township.schema_name):
        # A rendition: one of the kinds /media/ serves (tenants/media.py).
        name = default_storage.save("images/a.width-800.png", ContentFile(b"only for A"))
        url = default_storage.url(name)
    assert url.startswith(f"/media/{township.schema_name}/")
    try:
        assert client_for(township).get(url).status_code == 200
        assert client_for(other_township).get(url).status_code == 404
    finally:
        with schema_context(township.schema_name):
            default_storage.delete(name)


def test_centers_api_is_only_on_the_city_domain(township, client_for, city):
    assert client_for(city).get("/api/v1/centers/").status_code == 200
    assert client_for(township).get("/api/v1/centers/").status_code == 404


def test_cache_keys_are_per_schema(township, other_township):
    from django.core.cache import cache

    with schema_context(township.schema_name):
        cache.set("greeting", "A")
    with schema_context(other_township.schema_name):
        assert cache.get("greeting") is None


def test_center_admin_screens_are_not_on_center_domains(township, make_user, client_for):
    make_user(township, "director", Role.CENTER_DIRECTOR)
    client = client_for(township)
    client.post("/admin/login/", {"username": "director", "password": PASSWORD})
    assert client.get("/admin/centers/").status_code in (302, 403)


def test_domain_lookup_is_cached_not_a_query_per_request(township, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(township)
    assert client.get("/livez").status_code == 200  # warms the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/livez").status_code == 200
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]


def test_a_center_answers_on_every_domain_it_has(township, client_for):
    from django.core.exceptions import ValidationError
    from django.test import Client

    from tenants.services import center_domain_add

    center_domain_add(center=township, domain="QingShuiTai-Old.localhost", actor="test")
    response = Client(HTTP_HOST="qingshuitai-old.localhost").get("/")
    assert response.status_code == 200 and "清水台镇" in response.content.decode()
    for bad in ("qingshuitai-old.localhost", "not a host", "hushitai.localhost."):
        with pytest.raises(ValidationError) as exc:
            center_domain_add(center=township, domain=bad.replace("hushitai", "qingshuitai"),
                              actor="test")  # fmt: skip
        assert "domain" in exc.value.message_dict


def test_city_brand_images_show_on_every_portal(township, client_for):
    with schema_context("public"):
        name = default_storage.save("brand/logo-test.txt", ContentFile(b"logo"))
        url = default_storage.url(name)
    try:
        assert url.startswith("/media/public/brand/")
        assert client_for(township).get(url).status_code == 200
        other = url.replace("/brand/", "/private/")
        assert client_for(township).get(other).status_code == 404
    finally:
        with schema_context("public"):
            default_storage.delete(name)


def test_content_types_are_cached_per_schema(township):
    """Content type ids may differ between schemas; the cache must not carry one across."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    ids = {}
    for schema, offset in (("public", 1000), (township.schema_name, 2000)):
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO django_content_type (id, app_label, model) "
                "SELECT max(id) + %s, 'portal', 'probe' FROM django_content_type RETURNING id",
                [offset],
            )
            ids[schema] = cursor.fetchone()[0]
    assert ContentType.objects.get_by_natural_key("portal", "probe").id == ids["public"]
    with schema_context(township.schema_name):
        probe = ContentType.objects.get_by_natural_key("portal", "probe")
        assert probe.id == ids[township.schema_name]
        assert ContentType.objects.get_for_id(ids[township.schema_name]).model == "probe"
    assert ContentType.objects.get_by_natural_key("portal", "probe").id == ids["public"]
