"""The elder-friendly mode: a plain form switches it on and off, a cookie remembers it on
every page of the domain, and a `next` that leaves the site is not followed."""

import pytest

pytestmark = pytest.mark.django_db


def test_elder_mode_is_switched_and_remembered(desk, client_for):
    client = client_for(desk.center)
    html = client.get("/guides/").content.decode()
    assert '<body class="elder">' not in html and 'name="mode" value="on"' in html

    response = client.post("/elder-mode/", {"mode": "on", "next": "/guides/"})
    assert response.status_code == 302 and response["Location"] == "/guides/"
    cookie = response.cookies["elder_mode"]
    assert cookie.value == "1" and int(cookie["max-age"]) >= 300 * 24 * 3600
    for path in ("/", "/guides/", "/progress/", "/results/", "/complaints/"):
        html = client.get(path).content.decode()
        assert '<body class="elder">' in html, path
        assert 'name="mode" value="off"' in html

    response = client.post("/elder-mode/", {"mode": "off", "next": "/"})
    assert response.cookies["elder_mode"].value == ""
    assert '<body class="elder">' not in client.get("/").content.decode()


def test_elder_mode_never_redirects_off_site(desk, client_for):
    response = client_for(desk.center).post(
        "/elder-mode/", {"mode": "on", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert client_for(desk.center).get("/elder-mode/").status_code == 405


def test_the_city_portal_has_it_too(city, client_for):
    client = client_for(city)
    client.post("/elder-mode/", {"mode": "on", "next": "/centers/"})
    assert '<body class="elder">' in client.get("/centers/").content.decode()
