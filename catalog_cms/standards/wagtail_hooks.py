"""The city's admin screens (city domain): matter templates as snippets with drafts,
revisions, locking and moderation; the compliance table."""

from django.db import connection
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from tenants.accounts.permissions import Capability, can

from . import selectors
from .forms import MatterTemplateForm
from .models import MatterTemplate

MatterTemplate.base_form_class = MatterTemplateForm


class MatterTemplateViewSet(SnippetViewSet):
    model = MatterTemplate
    icon = "doc-full"
    menu_label = _("Matter templates")
    menu_order = 160
    add_to_admin_menu = True
    list_display = ["name", "code", "category", "authority_level", "mode", "live"]
    list_filter = ["category", "authority_level", "mode", "live"]
    search_fields = ["name", "code"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("code"),
                FieldRowPanel([FieldPanel("category"), FieldPanel("matter_type")]),
                FieldRowPanel([FieldPanel("authority_level"), FieldPanel("mode")]),
            ],
            heading=_("Matter"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("handling_body"),
                FieldPanel("legal_basis"),
                FieldPanel("conditions"),
                FieldPanel("procedure"),
                FieldPanel("time_limit_text"),
                FieldPanel("result"),
                FieldPanel("fee_basis"),
                FieldPanel("fee_standard"),
                FieldPanel("supervision"),
            ],
            heading=_("The nine public elements"),
        ),
        InlinePanel("materials", label=_("Materials"), min_num=1),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("legal_days"), FieldPanel("promised_days")]),
                FieldRowPanel([FieldPanel("fee_free"), FieldPanel("fee_amount")]),
                FieldPanel("departments"),
                FieldRowPanel([FieldPanel("online"), FieldPanel("visits")]),
                FieldPanel("life_events"),
            ],
            heading=_("Limits, fees and access"),
        ),
        InlinePanel("questions", label=_("Frequent questions")),
    ]


register_snippet(MatterTemplateViewSet)


def compliance_view(request):
    if connection.schema_name != "public" or not can(request.user, Capability.ACCESS_ADMIN):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    rows = selectors.compliance(user=request.user)
    return render(request, "standards/compliance.html", {"rows": rows})


@hooks.register("register_admin_urls")
def register_standards_admin_urls():
    return [path("standards/compliance/", compliance_view, name="standards_compliance")]


class CityStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return connection.schema_name == "public" and can(request.user, Capability.ACCESS_ADMIN)


@hooks.register("register_admin_menu_item")
def register_compliance_menu_item():
    return CityStaffMenuItem(
        _("Center compliance"), reverse("standards_compliance"), icon_name="tasks", order=170
    )
