from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class CityHomePage(Page):
    """The city portal's home page (public schema)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("city portal home page")

    def get_context(self, request, *args, **kwargs):
        from tenants.models import CenterStatus
        from tenants.selectors import center_directory, center_url

        context = super().get_context(request, *args, **kwargs)
        centers = center_directory().filter(status=CenterStatus.ACTIVE)
        context["centers"] = [(center, center_url(center)) for center in centers]
        return context


class CenterHomePage(Page):
    """A center portal's home page (one per center schema), made at provisioning."""

    intro = RichTextField(_("introduction"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("address"),
        FieldPanel("phone"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("center portal home page")

    def get_context(self, request, *args, **kwargs):
        from .center_home import center_home_context

        context = super().get_context(request, *args, **kwargs)
        context.update(center_home_context())
        return context
