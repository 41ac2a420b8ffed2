"""The feedback screens in Wagtail admin: list and filters, reply, close and FAQ publishing,
escaping, and refusal to anonymous users, to the village agent and to another center."""

import pytest
from django_tenants.utils import schema_context

from centers.feedback.models import Feedback, FeedbackStatus
from tests.centers.workspace.test_api import login
from tests.conftest import host

from .conftest import submit

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def items(center):
    return {
        "question": submit(center.center, matter_code="FB-0001", text="低保多久办结？").feedback,
        "complaint": submit(center.center, kind="complaint", text=SCRIPT).feedback,
    }


def test_list_and_filters(center, items, client_for):
    clerk = login(client_for(center.center), "clerk1")
    response = clerk.get("/admin/feedback/")
    assert response.status_code == 200
    page = response.content.decode()
    for feedback in items.values():
        assert feedback.tracking_number in page
    assert SCRIPT not in page and "&lt;script&gt;" in page
    response = clerk.get("/admin/feedback/?kind=complaint")
    assert [f.pk for f in response.context["page_obj"]] == [items["complaint"].pk]
    response = clerk.get("/admin/feedback/?status=answered")
    assert list(response.context["page_obj"]) == []
    response = clerk.get("/admin/feedback/?status=bogus&kind=bogus")
    assert len(response.context["page_obj"]) == 2
    assert "/admin/feedback/" in clerk.get("/admin/").content.decode()


def test_detail_reply_and_close(center, items, client_for):
    clerk = login(client_for(center.center), "clerk1")
    complaint = items["complaint"]
    response = clerk.get(f"/admin/feedback/{complaint.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert complaint.tracking_number in page
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f"/admin/feedback/{complaint.pk}/publish/" not in page  # not the director
    response = clerk.post(f"/admin/feedback/{complaint.pk}/reply/", {"text": "已整改。"})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/feedback/{complaint.pk}/"
    response = clerk.post(f"/admin/feedback/{complaint.pk}/close/", {"reason": ""})
    with schema_context(center.center.schema_name):
        complaint.refresh_from_db()
        assert complaint.status == FeedbackStatus.CLOSED and complaint.reply_text == "已整改。"
    # Closed: the reply form is gone and a reply is refused.
    assert (
        f"/admin/feedback/{complaint.pk}/reply/"
        not in clerk.get(f"/admin/feedback/{complaint.pk}/").content.decode()
    )
    clerk.post(f"/admin/feedback/{complaint.pk}/reply/", {"text": "改"})
    with schema_context(center.center.schema_name):
        complaint.refresh_from_db()
        assert complaint.reply_text == "已整改。"
    assert clerk.get("/admin/feedback/999999/").status_code == 404


def test_publish_as_faq_by_the_director_only(center, items, client_for):
    from centers.feedback.selectors import published_questions

    question = items["question"]
    clerk = login(client_for(center.center), "clerk1")
    clerk.post(f"/admin/feedback/{question.pk}/reply/", {"text": "20个工作日。"})
    clerk.post(f"/admin/feedback/{question.pk}/publish/", {"question": "多久办结？"})
    with schema_context(center.center.schema_name):
        question.refresh_from_db()
        assert question.status == FeedbackStatus.ANSWERED and not question.published_as_faq
    director = login(client_for(center.center), "director1")
    page = director.get(f"/admin/feedback/{question.pk}/").content.decode()
    assert f"/admin/feedback/{question.pk}/publish/" in page
    director.post(f"/admin/feedback/{question.pk}/publish/", {"question": "低保多久办结？"})
    with schema_context(center.center.schema_name):
        question.refresh_from_db()
        assert question.published_as_faq
        assert published_questions("FB-0001") == [
            {"question": "低保多久办结？", "answer": "20个工作日。"}
        ]
    # An unanswered complaint cannot be published.
    director.post(f"/admin/feedback/{items['complaint'].pk}/publish/", {})
    with schema_context(center.center.schema_name):
        assert not Feedback.objects.get(pk=items["complaint"].pk).published_as_faq
    director.post(f"/admin/feedback/{question.pk}/unpublish/")
    with schema_context(center.center.schema_name):
        assert published_questions("FB-0001") == []


def test_screens_refused_to_anonymous(center, items, client_for):
    anonymous = client_for(center.center)
    pk = items["complaint"].pk
    for url in ("/admin/feedback/", f"/admin/feedback/{pk}/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = anonymous.post(f"/admin/feedback/{pk}/reply/", {"text": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with schema_context(center.center.schema_name):
        assert Feedback.objects.get(pk=pk).reply_text == ""


def test_screens_refused_to_the_village_agent(center, items, client_for):
    agent = login(client_for(center.center), "agent1")
    pk = items["complaint"].pk
    for url in ("/admin/feedback/", f"/admin/feedback/{pk}/"):
        response = agent.get(url)
        assert response.status_code in (302, 403), url
        assert response.status_code == 403 or response["Location"] == "/admin/"
    agent.post(f"/admin/feedback/{pk}/reply/", {"text": "x"})
    with schema_context(center.center.schema_name):
        assert Feedback.objects.get(pk=pk).reply_text == ""
    assert "/admin/feedback/" not in agent.get("/admin/").content.decode()


def test_another_center_never_sees_this_feedback(center, items, client_for, other_township):
    other = login(client_for(other_township), "admin")
    response = other.get("/admin/feedback/")
    assert response.status_code == 200
    page = response.content.decode()
    for feedback in items.values():
        assert feedback.tracking_number not in page
    assert list(response.context["page_obj"]) == []
    pk = items["complaint"].pk
    assert other.get(f"/admin/feedback/{pk}/").status_code == 404
    assert other.post(f"/admin/feedback/{pk}/reply/", {"text": "x"}).status_code == 404
    # The other center's session means nothing on this center's domain.
    response = other.get("/admin/feedback/", HTTP_HOST=host(center.center))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = other.post(
        f"/admin/feedback/{pk}/reply/", {"text": "x"}, HTTP_HOST=host(center.center)
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with schema_context(center.center.schema_name):
        assert Feedback.objects.get(pk=pk).reply_text == ""
