"""Demo data of the conduct campaign (public schema): a campaign tied to the newest published
evaluation round, with the city's usual checklist; every township and street center's
self-evaluation, peer evaluations around each district (each center evaluates the next one of
its district), one district evaluation, and a few problems found that became rectification
items. Everything goes through the services, as the people who would act. Idempotent: when the
campaign exists nothing is done; with no published round nothing is done either."""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import schema_context

from evaluation.conduct import services
from evaluation.conduct.models import Campaign
from evaluation.scoring.rankings import published_rounds
from tenants.accounts.models import Role, User
from tenants.models import CenterStatus

# (center slug, kind, evaluated slug) -> {check title: problem}
PROBLEMS = {
    ("qingshuitai", "self", "qingshuitai"): {
        "一次性告知": "个别窗口补正材料口头告知，未出具一次性告知单"
    },
    ("taoxian", "self", "taoxian"): {"限时办结": "本期有2件即办件未当日办结"},
    ("hushitai", "peer", "qingshuitai"): {"工作纪律": "抽查时1号窗口人员离岗超过15分钟"},
    ("shenbei", "district", "huangjia"): {"服务态度": "暗访中窗口人员答复群众咨询语气生硬"},
}
DIRECTOR = "admin"  # the director every demo center is provisioned with


def _findings(campaign, key) -> dict:
    problems = PROBLEMS.get(key, {})
    return {
        item.pk: {
            "problem": item.title in problems,
            "description": problems.get(item.title, ""),
            "owner_name": "中心主任" if item.title in problems else "",
        }
        for item in campaign.items.all()
    }


def _director():
    return User.objects.filter(username=DIRECTOR, role=Role.CENTER_DIRECTOR).first()


def seed_city() -> None:
    round = published_rounds().first()
    admin = User.objects.filter(role=Role.CITY_ADMIN, username="city-admin").first()
    if round is None or admin is None:
        return
    name = f"{round.name}作风建设"
    if Campaign.objects.filter(name=name).exists():
        return
    with transaction.atomic():
        _seed(admin, round, name)


def _seed(admin, round, name) -> None:
    campaign = services.campaign_create(
        actor=admin,
        name=name,
        items=services.parse_items(services.DEFAULT_CHECKLIST),
        round=round,
    )
    centers = list(
        round.ranking.filter(center__status=CenterStatus.ACTIVE)
        .select_related("center__parent")
        .order_by("center__division_code")
    )
    centers = [entry.center for entry in centers]
    for center in centers:
        with schema_context(center.schema_name):
            director = _director()
            if director is not None:
                services.self_evaluation_submit(
                    actor=director,
                    campaign=campaign,
                    center=center,
                    findings=_findings(campaign, (center.slug, "self", center.slug)),
                    comment="已按清单逐项自查。",
                )
    by_district: dict = {}
    for center in centers:
        if center.parent_id:
            by_district.setdefault(center.parent, []).append(center)
    for district, members in by_district.items():
        supervisor = User.objects.filter(
            role=Role.DISTRICT_SUPERVISOR, district_id=district.pk, is_active=True
        ).first()
        if supervisor is None or len(members) < 2:
            continue
        for n, evaluator_center in enumerate(members):
            evaluated = members[(n + 1) % len(members)]
            evaluation = services.peer_assign(
                actor=supervisor,
                campaign=campaign,
                center=evaluated,
                evaluator_center=evaluator_center,
            )
            with schema_context(evaluator_center.schema_name):
                director = _director()
                if director is not None:
                    services.peer_evaluation_submit(
                        actor=director,
                        evaluation=evaluation,
                        findings=_findings(
                            campaign, (evaluator_center.slug, "peer", evaluated.slug)
                        ),
                    )
        for (by, kind, slug), _problems in PROBLEMS.items():
            evaluated = next((c for c in members if c.slug == slug), None)
            if kind == "district" and by == district.slug and evaluated is not None:
                services.district_evaluation_submit(
                    actor=supervisor,
                    campaign=campaign,
                    center=evaluated,
                    findings=_findings(campaign, (by, kind, slug)),
                    comment="区级暗访抽查。",
                )
