"""Admin forms of the center's catalog: they only collect input; the services check and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog_cms.standards.models import MatterCategory

from .models import LOCAL_FIELDS, LocalMatter

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class LocalFieldsForm(forms.ModelForm):
    class Meta:
        model = LocalMatter
        fields = list(LOCAL_FIELDS)
        widgets = {"local_notes": forms.Textarea(attrs={"rows": 4})}


class LocalMatterCreateForm(forms.ModelForm):
    category_name = forms.ChoiceField(label=_("category"), choices=())

    class Meta:
        model = LocalMatter
        fields = [
            "code", "name", "category_name", "matter_type", "authority_level", "mode",
            "handling_body", "competent_authority", "legal_basis", "conditions", "procedure",
            "result", "fee_basis", "fee_standard", "supervision", "legal_days", "promised_days",
            "online", "visits", *LOCAL_FIELDS,
        ]  # fmt: skip
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "handling_body", "legal_basis", "conditions", "procedure", "result",
                "fee_basis", "fee_standard", "supervision", "local_notes",
            )
        }  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = MatterCategory.objects.values_list("name", flat=True)
        self.fields["category_name"].choices = [("", "---------")] + [(n, n) for n in names]

    def validate_unique(self):
        """The service checks the code (in the same transaction as the write)."""


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_("The agreed columns, as the export writes them."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class FilterForm(forms.Form):
    YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]

    q = forms.CharField(label=_("Search by name or code"), required=False)
    agency = forms.ChoiceField(label=_("代办 (handled for a higher level)"), choices=YES_NO,
                               required=False)  # fmt: skip
    drift = forms.ChoiceField(label=_("Newer city version"), choices=YES_NO, required=False)
    local_only = forms.ChoiceField(label=_("Local only"), choices=YES_NO, required=False)

    def filters(self) -> dict:
        """The selector's keyword arguments (None: either way)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        flags = {"yes": True, "no": False, "": None}
        return {
            "search": data["q"].strip(),
            "agency": flags[data["agency"]],
            "drift": flags[data["drift"]],
            "local_only": flags[data["local_only"]],
        }
