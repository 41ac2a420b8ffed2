"""The city's admin screens (city domain): matter templates as snippets with drafts,
revisions, locking and moderation, with import and export; the lists the city keeps
(categories, life events, center standards); the compliance table."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.widgets.button import Button
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView as SnippetDeleteView
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet

from tenants.accounts.permissions import Capability, can, on_center_domain, on_city_domain

from . import selectors, services, views
from .forms import MatterTemplateForm
from .models import LifeEvent, MatterCategory, MatterTemplate

MatterTemplate.base_form_class = MatterTemplateForm


def _city_editor(request) -> bool:
    return on_city_domain() and can(request.user, Capability.EDIT_CITY_STANDARDS)


class MatterTemplateIndexView(SnippetIndexView):
    """The templates' listing, with import and export in the header's menu."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if _city_editor(self.request):
            export = reverse("standards_templates_export")
            buttons += [
                Button(
                    _("Import matter templates"),
                    url=reverse("standards_templates_import"),
                    icon_name="upload",
                    priority=10,
                ),
                Button(
                    _("Export (xlsx)"),
                    url=f"{export}?file_format=xlsx",
                    icon_name="download",
                    priority=20,
                ),
                Button(
                    _("Export (CSV)"),
                    url=f"{export}?file_format=csv",
                    icon_name="download",
                    priority=30,
                ),
            ]
        return buttons


class MatterTemplateViewSet(SnippetViewSet):
    model = MatterTemplate
    index_view_class = MatterTemplateIndexView
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
                FieldPanel("competent_authority"),
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
                FieldRowPanel([FieldPanel("handling_form"), FieldPanel("extension_max_days")]),
                FieldPanel("issues_certificate"),
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


class VocabularyDeleteView(SnippetDeleteView):
    """Deleting goes through services.vocabulary_entry_delete, which refuses an entry that a
    template uses, with a message naming the templates."""

    def form_valid(self, form):
        try:
            services.vocabulary_entry_delete(entry=self.object, actor=self.request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(self.request, message)
            return HttpResponseRedirect(self.get_success_url())
        messages.success(self.request, self.get_success_message())
        return HttpResponseRedirect(self.get_success_url())


class MatterCategoryViewSet(SnippetViewSet):
    model = MatterCategory
    icon = "folder-open-inverse"
    menu_label = _("Matter categories")
    url_prefix = "standards/categories"
    add_to_admin_menu = False
    delete_view_class = VocabularyDeleteView
    list_display = ["name", "sort_order"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("sort_order")]


class LifeEventViewSet(SnippetViewSet):
    model = LifeEvent
    icon = "group"
    menu_label = _("Life events")
    url_prefix = "standards/life-events"
    add_to_admin_menu = False
    delete_view_class = VocabularyDeleteView
    list_display = ["name", "sort_order"]
    search_fields = ["name"]
    panels = [FieldPanel("name"), FieldPanel("sort_order")]


register_snippet(MatterCategoryViewSet)
register_snippet(LifeEventViewSet)


class VocabularyDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete for categories and life events, routed through
    services.vocabulary_entry_delete one entry at a time: an entry in use is kept, with the
    service's message naming the templates; the others are deleted."""

    models = [MatterCategory, LifeEvent]

    def form_valid(self, form):
        objects, _without_access = self.get_actionable_objects()
        deleted = []
        for entry in objects:
            try:
                services.vocabulary_entry_delete(entry=entry, actor=self.request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(self.request, message)
            else:
                deleted.append(entry)
        if deleted:
            self.actionable_objects = deleted
            messages.success(self.request, self.get_success_message(len(deleted), 0))
        return HttpResponseRedirect(self.next_url)


# Registered after Wagtail's own snippet bulk delete (order 0), so it replaces it for these
# two models in the bulk action registry.
hooks.register("register_bulk_action", VocabularyDeleteBulkAction, order=100)


def compliance_view(request):
    if on_center_domain() or not can(request.user, Capability.ACCESS_ADMIN):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    rows = selectors.compliance(user=request.user)
    return render(request, "standards/compliance.html", {"rows": rows})


@hooks.register("register_admin_urls")
def register_standards_admin_urls():
    return [
        path("standards/compliance/", compliance_view, name="standards_compliance"),
        path(
            "standards/templates-import/",
            views.templates_import,
            name="standards_templates_import",
        ),
        path(
            "standards/templates-import/confirm/",
            views.templates_import_confirm,
            name="standards_templates_import_confirm",
        ),
        path(
            "standards/templates-import/jobs/<str:job_id>/",
            views.templates_import_job,
            name="standards_templates_import_job",
        ),
        path(
            "standards/templates-export/",
            views.templates_export,
            name="standards_templates_export",
        ),
        path(
            "standards/center-standards/",
            views.center_standards,
            name="standards_center_standards",
        ),
        path(
            "standards/center-standards/<str:kind>/",
            views.center_standard_edit,
            name="standards_center_standard_edit",
        ),
        path(
            "standards/appointment-policy/",
            views.AppointmentPolicyView.as_view(),
            name="standards_appointment_policy",
        ),
        path(
            "standards/case-policy/",
            views.CasePolicyView.as_view(),
            name="standards_case_policy",
        ),
        path(
            "standards/official-schedules/",
            views.official_schedules,
            name="standards_official_schedules",
        ),
        path(
            "standards/official-schedules/<int:year>/",
            views.official_schedule_edit,
            name="standards_official_schedule_edit",
        ),
        path(
            "standards/official-schedules/<int:year>/delete/",
            views.official_schedule_delete,
            name="standards_official_schedule_delete",
        ),
        path(
            "standards/district-catalog/",
            views.district_catalog_index,
            name="standards_district_catalog_index",
        ),
        path(
            "standards/district-catalog/<slug:slug>/",
            views.district_catalog,
            name="standards_district_catalog",
        ),
        path(
            "standards/district-catalog/<slug:slug>/<int:pk>/remove/",
            views.district_catalog_remove,
            name="standards_district_catalog_remove",
        ),
    ]


class CityStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return on_city_domain() and can(request.user, Capability.ACCESS_ADMIN)


@hooks.register("register_admin_menu_item")
def register_compliance_menu_item():
    return CityStaffMenuItem(
        _("Center compliance"), reverse("standards_compliance"), icon_name="tasks", order=170
    )


class CityEditorMenuItem(MenuItem):
    def is_shown(self, request):
        return _city_editor(request)


@hooks.register("register_admin_menu_item")
def register_center_standards_menu_item():
    return CityEditorMenuItem(
        _("Center standards"),
        reverse("standards_center_standards"),
        icon_name="clipboard-list",
        order=165,
    )


@hooks.register("register_admin_menu_item")
def register_appointment_policy_menu_item():
    return CityEditorMenuItem(
        _("Appointment policy"),
        reverse("standards_appointment_policy"),
        icon_name="date",
        order=167,
    )


@hooks.register("register_admin_menu_item")
def register_case_policy_menu_item():
    return CityEditorMenuItem(
        _("Case policy"),
        reverse("standards_case_policy"),
        icon_name="cog",
        order=168,
    )


@hooks.register("register_admin_menu_item")
def register_templates_import_menu_item():
    return CityEditorMenuItem(
        _("Import matter templates"),
        reverse("standards_templates_import"),
        icon_name="upload",
        order=161,
    )


@hooks.register("register_admin_menu_item")
def register_official_schedules_menu_item():
    return CityEditorMenuItem(
        _("Official holiday schedules"),
        reverse("standards_official_schedules"),
        icon_name="date",
        order=166,
    )


class DistrictCatalogMenuItem(MenuItem):
    """Shown on the city domain to city administrators and district supervisors."""

    def is_shown(self, request):
        return (
            on_city_domain()
            and can(request.user, Capability.ACCESS_ADMIN)
            and views.supervised_districts(request.user).exists()
        )


@hooks.register("register_admin_menu_item")
def register_district_catalog_menu_item():
    return DistrictCatalogMenuItem(
        _("District catalog"),
        reverse("standards_district_catalog_index"),
        icon_name="list-ul",
        order=168,
    )
