"""What every custom Wagtail admin screen of the project shares."""

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class AdminScreenMixin(WagtailAdminTemplateMixin):
    """Wagtail's admin template mixin whose header names the screen: Wagtail's slim header
    shows the last breadcrumb, which is "Home" unless the screen adds its own title."""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]
