from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CenterKind


class CenterCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[c for c in CenterKind.choices if c[0] != CenterKind.CITY]
    )
    name = forms.CharField(label=_("name"), max_length=50, help_text=_("e.g. 清水台镇"))
    division_code = forms.CharField(label=_("division code (统计用区划代码)"), max_length=12)
    slug = forms.CharField(
        label=_("slug"), max_length=40, help_text=_("The center's address: <slug>.<city domain>")
    )
    parent = forms.CharField(
        label=_("parent district"), max_length=40, required=False,
        help_text=_("The district's slug; required for a township or street."),
    )  # fmt: skip


class StatusChangeForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)
