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


def id_param(value) -> int | None:
    """A row id from a query string or URL: a positive integer within the id columns' range,
    else None (a filter or a lookup then simply finds nothing)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
