"""The demo data of `make run`: cases in every state in a township, overdue ones among them,
and a 上报 round trip with its district through the real exchange."""

from collections import Counter

from django.utils import timezone
from django_tenants.utils import schema_context

from centers.cases.models import (
    ApprovalRequest,
    Case,
    CaseDocument,
    CaseFee,
    CaseObjection,
    CaseTask,
)
from centers.cases.selectors import deadlines_for, task_sign_off_refusal
from centers.cases.states import CaseStatus
from demo import cases as cases_demo
from demo import catalog as catalog_demo
from demo import standards as standards_demo
from demo import workspace as workspace_demo
from tenants.accounts.models import Role


def test_demo_cases_cover_every_state_and_a_round_trip(district, township, make_user, media_root):
    standards_demo.seed_city()
    for center in (district, township):
        make_user(center, "window1", Role.WINDOW_STAFF)
        make_user(center, "window2", Role.WINDOW_STAFF)
        make_user(center, "agent1", Role.VILLAGE_AGENT)
        with schema_context(center.schema_name):
            catalog_demo.seed_center(center)
            workspace_demo.seed_center(center)
            assert cases_demo.seed_center(center)
            assert cases_demo.seed_center(center) == []  # idempotent
    assert cases_demo.seed_referrals(township, district) is True
    assert cases_demo.seed_referrals(township, district) is False

    with schema_context(township.schema_name):
        states = Counter(Case.objects.values_list("status", flat=True))
        deadlines = deadlines_for(Case.objects.all())
    assert set(states) == set(CaseStatus.values)
    assert states[CaseStatus.CLOSED] >= 6 and states[CaseStatus.REFERRED] == 1
    with schema_context(township.schema_name):
        assert Case.objects.filter(revoked_at__isnull=False).count() == 1  # 撤销, code 15
        # A third visit approved through a request; a waiver waiting for the director.
        states = sorted(ApprovalRequest.objects.values_list("kind", "state"))
        assert states == [("fee_waiver", "pending"), ("further_visit", "approved")]
        # Issue 15: an objection answered in writing; a waiver with its policy basis.
        answered = CaseObjection.objects.get(answered_at__isnull=False)
        assert answered.case.documents.filter(kind="objection_answer").exists()
        waived = CaseFee.objects.get(state="waived")
        assert waived.waiver_basis_document and waived.waiver_basis_article
    assert sum(d.overdue for d in deadlines.values()) >= 2
    with schema_context(township.schema_name):
        signed = list(
            CaseTask.objects.filter(signed_off_at__isnull=False).select_related(
                "case", "department", "signed_off_by"
            )
        )
        # Each department of the joint case signed through someone its windows allow (the
        # window's staff or an A/B holder of its posts).
        assert all(task_sign_off_refusal(t.signed_off_by, t.case, t) is None for t in signed)
        assert len(signed) == 2
        assert CaseTask.objects.filter(signed_off_at__isnull=True).count() == 1
        # Seed plan 1: the joint case's 并联审批告知单, and its one open part past its date.
        assert CaseDocument.objects.filter(kind="joint_notice").count() == 1
        open_part = CaseTask.objects.get(signed_off_at__isnull=True)
        assert open_part.needs and open_part.due_date < timezone.localdate()
        # Issue 15: the forwarded cases got a 收件回执 and no 受理通知书 here.
        forwarded = Case.objects.filter(referral_key__isnull=False)
        assert forwarded.count() == 3
        for case in forwarded:
            kinds = set(case.documents.values_list("kind", flat=True))
            assert "materials_receipt" in kinds and "acceptance_notice" not in kinds
            assert case.accepted_on is None
    with schema_context(district.schema_name):
        incoming = Counter(Case.objects.filter(channel="referral").values_list("status", flat=True))
    assert incoming == {CaseStatus.CLOSED: 2, CaseStatus.ACCEPTED: 1}


def test_demo_portal_online_applications_notices_and_samples(township, make_user, media_root):
    """Online applications wait in the desk and one is accepted; the portal has published
    notices and one waiting for the director; the city's 申请书 materials carry a sample."""
    from wagtail.models import WorkflowState

    from catalog_cms.standards.models import MatterMaterial
    from demo import portal as portal_demo
    from portal.models import NoticePage

    standards_demo.seed_city()
    with schema_context("public"):
        samples = MatterMaterial.objects.filter(name=standards_demo.SAMPLE_MATERIAL)
        assert samples.exists() and not samples.filter(sample__isnull=True).exists()
        assert standards_demo.seed_material_samples() == 0  # idempotent
        assert portal_demo.seed_city() == 2 and portal_demo.seed_city() == 0
    make_user(township, "window1", Role.WINDOW_STAFF)
    make_user(township, "window2", Role.WINDOW_STAFF)
    with schema_context(township.schema_name):
        catalog_demo.seed_center(township)
        workspace_demo.seed_center(township)
        cases_demo.seed_center(township)
        online = Counter(Case.objects.filter(channel="online").values_list("status", flat=True))
        assert online == {CaseStatus.RECEIVED: 1, CaseStatus.ACCEPTED: 1}
        assert portal_demo.seed_center(township) == 4
        assert portal_demo.seed_center(township) == 0
        assert NoticePage.objects.live().count() == 3
        pending = NoticePage.objects.get(live=False)
        state = WorkflowState.objects.get(object_id=str(pending.pk))
        assert state.status == WorkflowState.STATUS_IN_PROGRESS
