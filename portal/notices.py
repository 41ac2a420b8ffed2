"""公示公告: the notices section of a site (a center's portal or the city's news and notices).

Staff write notices as Wagtail pages under the site's one notices index. Publishing goes
through Wagtail's moderation: the index carries a workflow whose one task is approved by the
center's director (on the city's domain, by the city's administrators); window staff may add
and change notices but not publish them, so their notices wait for approval. The director may
also publish directly, as Wagtail lets a user with the publish permission do."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from tenants.accounts.models import Role, User
from tenants.accounts.permissions import on_city_domain
from tenants.accounts.services import role_group_ensure

from .models import CenterHomePage, CityHomePage, NoticeCategory, NoticeIndexPage, NoticePage

NOTICES_SLUG = "notices"
WRITER_PERMISSIONS = ("add_page", "change_page")


def _writers_and_approvers() -> tuple[list[str], str]:
    """(roles that write notices, the role that approves them) in the current schema."""
    if on_city_domain():
        return [Role.CITY_ADMIN], Role.CITY_ADMIN
    return [Role.WINDOW_STAFF, Role.CENTER_DIRECTOR], Role.CENTER_DIRECTOR


def _role_group(role: str) -> Group:
    return role_group_ensure(role) or Group.objects.get_or_create(name=f"role:{role}")[0]


@transaction.atomic
def notices_setup() -> NoticeIndexPage | None:
    """Make sure the current schema's site has its notices index, the moderation workflow on
    it, and the writers' permissions. Idempotent; None when the site has no home page yet."""
    home = Page.objects.type(CenterHomePage, CityHomePage).filter(depth=2).order_by("path").first()
    if home is None:
        return None
    index = NoticeIndexPage.objects.child_of(home).first()
    if index is None:
        title = _("News and notices") if isinstance(home.specific, CityHomePage) else _("公示公告")
        index = home.add_child(instance=NoticeIndexPage(title=title, slug=NOTICES_SLUG, live=True))

    writer_roles, approver_role = _writers_and_approvers()
    for role in writer_roles:
        group = _role_group(role)
        for codename in WRITER_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=index,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
        # Users made before their role's group existed.
        group.user_set.add(*User.objects.filter(role=role, is_active=True).exclude(groups=group))

    approvers = _role_group(approver_role)
    approvers.user_set.add(
        *User.objects.filter(role=approver_role, is_active=True).exclude(groups=approvers)
    )
    workflow_page = WorkflowPage.objects.filter(page=index).select_related("workflow").first()
    if workflow_page is None:
        task = GroupApprovalTask.objects.create(name=_("Director's approval of a notice"))
        task.groups.set([approvers])
        workflow = Workflow.objects.create(name=_("Notice approval"))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=index)
    return index


# --- reads ------------------------------------------------------------------------------------


def notices_published(index: NoticeIndexPage, *, category: str = ""):
    """The live notices under `index`, newest first."""
    notices = NoticePage.objects.live().child_of(index)
    if category in NoticeCategory.values:
        notices = notices.filter(category=category)
    return notices.order_by("-notice_date", "-first_published_at", "-pk")


def notices_latest(limit: int = 5) -> list[NoticePage]:
    """The newest live notices of the current schema's site, for its home page."""
    return list(
        NoticePage.objects.live()
        .filter(depth=4)
        .order_by("-notice_date", "-first_published_at", "-pk")
        .only("title", "slug", "url_path", "notice_date", "category", "summary")[:limit]
    )
