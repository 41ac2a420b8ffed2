"""A center's portal home page: profile, open-now, hours, windows with the matters they handle
(linked to their guides), service points; each center shows only its own."""

import datetime

from django_tenants.utils import schema_context

from centers.workspace import services
from centers.workspace.models import ServicePoint


def test_home_shows_the_centers_own_workspace(desk, other_township, client_for):
    with schema_context(desk.center.schema_name):
        services.profile_update(
            actor=None,
            name="清水台镇政务服务中心",
            address="清水台镇政府一楼",
            phone="024-8800 1234",
            supervision_phone="024-8800 1235",
        )
        services.opening_hours_set(
            actor=None,
            intervals=[(d, datetime.time(8, 30), datetime.time(17)) for d in range(5)],
        )
        services.window_matters_set(actor=None, window=desk.window, matters=[desk.matter])
        ServicePoint.objects.create(name="石佛寺村便民服务站", village="石佛寺村")
    html = client_for(desk.center).get("/").content.decode()
    assert "清水台镇政府一楼" in html and "024-8800 1235" in html
    assert "08:30–17:00" in html
    assert "综合窗口" in html and f'href="/guides/{desk.matter.code}/"' in html
    assert "石佛寺村便民服务站" in html
    assert 'data-open="' in html
    for link in ("/guides/", "/progress/", "/complaints/", "/search/"):
        assert f'href="{link}"' in html
    theirs = client_for(other_township).get("/").content.decode()
    assert "清水台镇政府一楼" not in theirs and "石佛寺村便民服务站" not in theirs
