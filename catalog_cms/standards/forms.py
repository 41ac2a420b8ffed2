from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import WaiverAuthority
from .vocab import NINE_ELEMENTS, CenterRule


class MatterTemplateForm(WagtailAdminModelForm):
    """Drafts may leave the nine elements empty; publishing may not (Wagtail restores the
    required fields on publish, and MatterTemplate.publish checks again)."""

    class Meta:
        defer_required_on_fields = [name for name, _label in NINE_ELEMENTS]


MAX_IMPORT_BYTES = 10 * 1024 * 1024


class MatterTemplateImportForm(forms.Form):
    """The upload on the city's import screen: a .xlsx or .csv file of at most 10 MB (the
    content is checked by services.matter_templates_preview)."""

    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_("At most 10 MB, with the agreed columns (export a file to see them)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; at most %(max)d MB is allowed.")
                % {"size": upload.size / 1024 / 1024, "max": MAX_IMPORT_BYTES // 1024 // 1024}
            )
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload


class CenterStandardForm(forms.Form):
    """What the city requires of one kind of center; checked and saved by
    services.center_standard_update."""

    min_floor_area_m2 = forms.DecimalField(
        label=_("minimum floor area (m²)"), max_digits=8, decimal_places=1
    )
    min_weekly_open_hours = forms.DecimalField(
        label=_("minimum weekly opening hours"), max_digits=5, decimal_places=1
    )
    required_rules = forms.MultipleChoiceField(
        label=_("required rules"),
        choices=CenterRule.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class AppointmentPolicyForm(forms.Form):
    """The city's appointment policy (services.appointment_policy_set checks it again)."""

    max_open_per_phone = forms.IntegerField(
        label=_("Open bookings per phone number"),
        min_value=1,
        max_value=20,
        help_text=_("A booking is open until its day has passed or it is cancelled."),
    )
    max_open_per_id_number = forms.IntegerField(
        label=_("Open bookings per resident ID number"), min_value=1, max_value=20
    )
    horizon_days = forms.IntegerField(
        label=_("Booking horizon (days ahead)"),
        min_value=1,
        max_value=90,
        help_text=_("Residents may book from today up to this many days ahead."),
    )


class CasePolicyForm(forms.Form):
    """The city's case policy (services.case_policy_set checks it again)."""

    waiver_authority = forms.ChoiceField(
        label=_("Who approves a fee waiver (减免), by default"),
        choices=WaiverAuthority.choices,
    )
    waiver_overrides = forms.CharField(
        label=_("Overrides per matter or fee item"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One a line: “matter:<matter code> = <authority>” or “item:<fee item> = "
            "<authority>”, the authority being center_director, district or city. A matter's "
            "line comes before an item's."
        ),
    )
    objection_answer_days = forms.IntegerField(
        label=_("Working days to answer an objection (异议答复时限)"),
        min_value=1,
        max_value=30,
        help_text=_(
            "The case owner answers the applicant's objection in writing, with reasons, within "
            "this many working days of the official calendar."
        ),
    )
