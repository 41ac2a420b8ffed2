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

        from .notices import notices_latest

        context = super().get_context(request, *args, **kwargs)
        centers = center_directory().filter(status=CenterStatus.ACTIVE)
        context["centers"] = [(center, center_url(center)) for center in centers]
        context["notices"] = notices_latest()
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


class NoticeCategory(models.TextChoices):
    NOTICE = "notice", _("公告 (notice)")
    PUBLICITY = "publicity", _("公示 (publicity)")
    NEWS = "news", _("新闻 (news)")
    POLICY = "policy", _("政策解读 (policy explained)")


class NoticeIndexPage(Page):
    """公示公告 (on the city's domain: news and notices) at /notices/: lists the live notices
    below it, newest first. One per site, made at provisioning (portal.notices)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.CenterHomePage", "portal.CityHomePage"]
    subpage_types = ["portal.NoticePage"]
    max_count = 1
    PAGE_SIZE = 20

    class Meta:
        verbose_name = _("notices index")

    def get_context(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        from .notices import notices_published

        context = super().get_context(request, *args, **kwargs)
        category = request.GET.get("category", "")
        if category not in NoticeCategory.values:
            category = ""
        paginator = Paginator(notices_published(self, category=category), self.PAGE_SIZE)
        context["notices"] = paginator.get_page(request.GET.get("page"))
        context["categories"] = NoticeCategory.choices
        context["category"] = category
        return context


class NoticePage(Page):
    """One notice, written by center staff (or the city's office) and published through the
    site's moderation workflow: window staff submit, the director approves."""

    category = models.CharField(
        _("category"), max_length=16, choices=NoticeCategory.choices, default=NoticeCategory.NOTICE
    )
    notice_date = models.DateField(_("date"))
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = RichTextField(_("text"))
    attachment = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attachment"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("category"),
        FieldPanel("notice_date"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("attachment"),
    ]
    parent_page_types = ["portal.NoticeIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["-notice_date"], name="portal_notice_date_idx")]
