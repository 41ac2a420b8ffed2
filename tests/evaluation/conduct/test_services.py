"""The campaign services: who may create, assign and submit; every problem opens a
rectification item; a submitted evaluation is final; bad input changes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from evaluation.conduct import services
from evaluation.conduct.models import (
    Campaign,
    ConductEvent,
    Evaluation,
    EvaluationKind,
    Finding,
)
from evaluation.rectification.models import Rectification

from .conftest import answers, in_schema

pytestmark = pytest.mark.django_db


def counts():
    return (
        Evaluation.objects.count(),
        Finding.objects.count(),
        Rectification.objects.count(),
        ConductEvent.objects.count(),
    )


def test_create_refusals(people, campaign):
    assert [i.title for i in campaign.items.all()] == ["服务态度", "首问负责", "廉洁自律"]
    before = Campaign.objects.count()
    for items, field in (([], "items"), ([("服务态度", ""), ("服务态度", "")], "items")):
        with pytest.raises(ValidationError) as exc:
            services.campaign_create(
                actor=people["admin"],
                name="另一个",
                items=items,
                period_start=datetime.date(2026, 1, 1),
                period_end=datetime.date(2026, 2, 1),
            )
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(
            actor=people["admin"], name=campaign.name, items=[("x", "")], period_start=None
        )
    assert {"name", "period_end"} <= set(exc.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            actor=people["supervisor"],
            name="区里的",
            items=[("x", "")],
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 2, 1),
        )
    assert Campaign.objects.count() == before
    assert services.parse_items("服务态度｜文明用语\n\n 首问负责 ") == [
        ("服务态度", "文明用语"),
        ("首问负责", ""),
    ]


def test_self_evaluation_opens_rectifications_and_is_final(people, campaign, township):
    with pytest.raises(ValidationError) as exc:  # a check left unanswered, a problem untold
        findings = answers(campaign, {"首问负责": ""})
        findings.pop(campaign.items.get(title="廉洁自律").pk)
        in_schema(
            township,
            services.self_evaluation_submit,
            actor=people["director"],
            campaign=campaign,
            center=township,
            findings=findings,
        )
    assert len(exc.value.message_dict) == 2
    assert counts() == (0, 0, 0, 1)
    evaluation = in_schema(
        township,
        services.self_evaluation_submit,
        actor=people["director"],
        campaign=campaign,
        center=township,
        findings=answers(campaign, {"首问负责": "窗口人员未引导群众到对应窗口"}),
        comment="自查完毕",
    )
    assert evaluation.is_submitted and evaluation.kind == EvaluationKind.SELF
    problem = Finding.objects.get(evaluation=evaluation, problem=True)
    rect = problem.rectification
    assert rect.center == township and rect.finding_origin == "self"
    assert rect.owner_name == "张三" and "首问负责" in rect.title and rect.deadline
    assert Finding.objects.filter(evaluation=evaluation).count() == 3
    before = counts()
    with pytest.raises(ValidationError) as exc:
        in_schema(
            township,
            services.self_evaluation_submit,
            actor=people["director"],
            campaign=campaign,
            center=township,
            findings=answers(campaign, {"服务态度": "再次提交"}),
        )
    assert "evaluation" in exc.value.message_dict
    assert counts() == before


def test_self_evaluation_refusals(people, campaign, township, other_township):
    kwargs = {"campaign": campaign, "center": township, "findings": answers(campaign)}
    with pytest.raises(PermissionDenied):  # window staff
        in_schema(township, services.self_evaluation_submit, actor=people["clerk"], **kwargs)
    with pytest.raises(PermissionDenied):  # another center's director, in its own schema
        in_schema(
            other_township,
            services.self_evaluation_submit,
            actor=people["peer_director"],
            **kwargs,
        )
    with pytest.raises(PermissionDenied):  # the city
        services.self_evaluation_submit(actor=people["admin"], **kwargs)
    services.campaign_close(actor=people["admin"], campaign=campaign)
    with pytest.raises(ValidationError) as exc:
        in_schema(township, services.self_evaluation_submit, actor=people["director"], **kwargs)
    assert "campaign" in exc.value.message_dict
    assert counts()[0] == 0


def test_peer_evaluation(people, campaign, township, other_township, far_township):
    with pytest.raises(PermissionDenied):  # the other district's supervisor
        services.peer_assign(
            actor=people["far_supervisor"],
            campaign=campaign,
            center=township,
            evaluator_center=other_township,
        )
    with pytest.raises(PermissionDenied):  # a center of another district as the evaluator
        services.peer_assign(
            actor=people["supervisor"],
            campaign=campaign,
            center=township,
            evaluator_center=far_township,
        )
    with pytest.raises(ValidationError):
        services.peer_assign(
            actor=people["supervisor"],
            campaign=campaign,
            center=township,
            evaluator_center=township,
        )
    evaluation = services.peer_assign(
        actor=people["supervisor"],
        campaign=campaign,
        center=township,
        evaluator_center=other_township,
    )
    with pytest.raises(ValidationError):  # twice
        services.peer_assign(
            actor=people["supervisor"],
            campaign=campaign,
            center=township,
            evaluator_center=other_township,
        )
    kwargs = {"evaluation": evaluation, "findings": answers(campaign, {"廉洁自律": "收受礼品"})}
    with pytest.raises(PermissionDenied):  # the evaluated center cannot fill its peer's form
        in_schema(township, services.peer_evaluation_submit, actor=people["director"], **kwargs)
    with schema_context(other_township.schema_name):
        services.peer_evaluation_submit(actor=people["peer_director"], **kwargs)
    rect = Rectification.objects.get(finding_origin="peer")
    assert rect.center == township  # the problem is the evaluated center's to rectify
    assert rect.source_ref == f"conduct:{evaluation.pk}:{campaign.items.get(title='廉洁自律').pk}"
    before = counts()
    with pytest.raises(ValidationError), schema_context(other_township.schema_name):
        services.peer_evaluation_submit(actor=people["peer_director"], **kwargs)
    assert counts() == before


def test_district_evaluation(people, campaign, township, far_township):
    kwargs = {"campaign": campaign, "center": township}
    with pytest.raises(PermissionDenied):
        services.district_evaluation_submit(
            actor=people["far_supervisor"], findings=answers(campaign), **kwargs
        )
    with pytest.raises(PermissionDenied):  # evaluators score; supervisors supervise
        services.district_evaluation_submit(
            actor=people["evaluator"], findings=answers(campaign), **kwargs
        )
    evaluation = services.district_evaluation_submit(
        actor=people["supervisor"],
        findings=answers(campaign, {"服务态度": "态度生硬", "首问负责": "推诿"}),
        **kwargs,
    )
    assert evaluation.kind == EvaluationKind.DISTRICT
    assert evaluation.evaluator_center == township.parent
    assert Rectification.objects.filter(center=township, finding_origin="district").count() == 2
