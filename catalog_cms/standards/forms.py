from wagtail.admin.forms import WagtailAdminModelForm

from .vocab import NINE_ELEMENTS


class MatterTemplateForm(WagtailAdminModelForm):
    """Drafts may leave the nine elements empty; publishing may not (Wagtail restores the
    required fields on publish, and MatterTemplate.publish checks again)."""

    class Meta:
        defer_required_on_fields = [name for name, _label in NINE_ELEMENTS]
