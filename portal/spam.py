"""Spam protection of the public forms without outside services: a honeypot field that people
never see (hidden from sight and from screen readers) and robots fill in. A filled honeypot
saves nothing. The per-address limits are in cityplatform.ratelimit."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

HONEYPOT = "website"


def honeypot_field() -> forms.CharField:
    """The field for a Django form; its name in the form must be HONEYPOT."""
    return forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


def honeypot_filled(data) -> bool:
    return bool((data.get(HONEYPOT) or "").strip())
