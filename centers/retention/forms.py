from django import forms

from .models import KINDS, MAX_DAYS, field_name


class RetentionPolicyForm(forms.Form):
    """One field per kind; the service checks the legal minimums again (and is the rule)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, (label, _default, minimum) in KINDS.items():
            self.fields[field_name(kind)] = forms.IntegerField(
                label=label, min_value=minimum, max_value=MAX_DAYS
            )
