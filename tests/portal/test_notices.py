"""公示公告: notices written by center staff as Wagtail pages, published only through the
site's moderation (window staff submit, the director approves), listed at /notices/ and on
the home page; each center sees only its own."""

import json

import pytest
from django_tenants.utils import schema_context

pytestmark = pytest.mark.django_db


def _body(text: str) -> str:
    """A rich text field's value as Wagtail's Draftail editor posts it."""
    block = {
        "key": "a1b2c",
        "text": text,
        "type": "unstyled",
        "depth": 0,
        "inlineStyleRanges": [],
        "entityRanges": [],
    }
    return json.dumps({"blocks": [block], "entityMap": {}})


def _admin(client_for, center, user):
    client = client_for(center)
    with schema_context(center.schema_name):
        client.force_login(user)
    return client


def _index(center):
    from portal.models import NoticeIndexPage

    with schema_context(center.schema_name):
        return NoticeIndexPage.objects.get()


def _submit(client, index, title, slug, action):
    return client.post(
        f"/admin/pages/add/portal/noticepage/{index.pk}/",
        {
            "title": title,
            "slug": slug,
            "category": "notice",
            "notice_date": "2026-11-20",
            "summary": "摘要",
            "body": _body("公告正文"),
            "attachment": "",
            action: "1",
        },
    )


def test_every_center_gets_a_notices_section_with_moderation(desk, client_for):
    from wagtail.models import GroupApprovalTask, WorkflowPage

    index = _index(desk.center)
    with schema_context(desk.center.schema_name):
        workflow = WorkflowPage.objects.get(page=index).workflow
        task = GroupApprovalTask.objects.get(pk=workflow.tasks.get().pk)
        assert list(task.groups.values_list("name", flat=True)) == ["role:center_director"]
    response = client_for(desk.center).get("/notices/")
    assert response.status_code == 200
    assert "公示公告" in response.content.decode()


def test_window_staff_submit_and_the_director_approves(desk, other_township, client_for):
    from wagtail.models import WorkflowState

    from portal.models import NoticePage

    index = _index(desk.center)
    clerk = _admin(client_for, desk.center, desk.clerk)
    # The clerk may not publish: the publish action leaves the notice unpublished...
    response = _submit(clerk, index, "关于调整办公时间的公告", "hours", "action-publish")
    assert response.status_code in (200, 302, 403)
    with schema_context(desk.center.schema_name):
        assert not NoticePage.objects.filter(live=True).exists()
    # ...but can submit it for the director's approval.
    response = _submit(clerk, index, "关于冬季办公时间的公告", "winter-hours", "action-submit")
    assert response.status_code == 302
    with schema_context(desk.center.schema_name):
        notice = NoticePage.objects.get(title="关于冬季办公时间的公告")
        assert not notice.live
        state = WorkflowState.objects.get(base_content_type__isnull=False, object_id=str(notice.pk))
        assert state.status == WorkflowState.STATUS_IN_PROGRESS
        task_state = state.current_task_state
    public = client_for(desk.center)
    assert "关于冬季办公时间的公告" not in public.get("/notices/").content.decode()

    # The director approves it in the admin; it is published.
    director = _admin(client_for, desk.center, desk.director)
    response = director.post(
        f"/admin/pages/workflow/action/{notice.pk}/approve/{task_state.pk}/", {"comment": ""}
    )
    assert response.status_code in (200, 302)
    with schema_context(desk.center.schema_name):
        notice.refresh_from_db()
        assert notice.live
    listing = public.get("/notices/").content.decode()
    assert "关于冬季办公时间的公告" in listing
    assert "关于冬季办公时间的公告" in public.get("/").content.decode()
    page = public.get("/notices/" + notice.slug + "/")
    assert page.status_code == 200 and "公告正文" in page.content.decode()

    # Another center shows none of it, on its pages or at the same address.
    theirs = client_for(other_township)
    assert "关于冬季办公时间的公告" not in theirs.get("/notices/").content.decode()
    assert "关于冬季办公时间的公告" not in theirs.get("/").content.decode()
    assert theirs.get("/notices/" + notice.slug + "/").status_code == 404


def test_the_notices_list_filters_by_category_and_escapes(desk, client_for):
    from portal.models import NoticePage

    index = _index(desk.center)
    with schema_context(desk.center.schema_name):
        for title, category in (("<script>x</script>新闻", "news"), ("公示名单", "publicity")):
            notice = NoticePage(
                title=title, category=category, notice_date="2026-11-01", body="<p>正文</p>"
            )
            index.add_child(instance=notice)
            notice.save_revision().publish()
    client = client_for(desk.center)
    html = client.get("/notices/?category=publicity").content.decode()
    listing = html.split('class="notice-list"', 1)[1]
    assert "公示名单" in listing and "新闻" not in listing
    html = client.get("/notices/").content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;新闻" in html and "<script>x</script>" not in html
    assert client.get("/notices/?category=nonsense").status_code == 200


def test_the_city_has_news_and_notices(city, client_for):
    from portal.models import NoticeIndexPage

    with schema_context("public"):
        assert NoticeIndexPage.objects.count() == 1
    response = client_for(city).get("/notices/")
    assert response.status_code == 200


def test_notices_setup_is_idempotent_and_makes_a_missing_section(desk):
    """setup_platform runs it for every center: a center made before notices existed gets
    its section, one that has it is left as it is."""
    from wagtail.models import WorkflowPage

    from portal.models import NoticeIndexPage
    from portal.notices import notices_setup

    with schema_context(desk.center.schema_name):
        first = notices_setup()
        assert notices_setup().pk == first.pk
        assert WorkflowPage.objects.filter(page=first).count() == 1
        first.delete()
        made = notices_setup()
        assert NoticeIndexPage.objects.get().pk == made.pk != first.pk
        assert WorkflowPage.objects.filter(page=made).exists()
        assert desk.clerk.groups.filter(name="role:window_staff").exists()
