"""Rules for division codes, slugs and the center hierarchy, shared by forms, API and services."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import numdb

DIVISION_CODE_RE = re.compile(r"^\d{12}$")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
# Names that would clash with PostgreSQL schemas, our own schemas or well-known host names.
RESERVED_SLUGS = frozenset(
    {
        "public", "www", "api", "admin", "static", "media", "mail", "city", "center-template",
        "information-schema", "healthz", "cms", "spare",
    }
)  # fmt: skip


def county_name(code6: str) -> str | None:
    """The county-level unit a six-digit code stands for in python-stdnum's data, if any."""
    for _part, info in numdb.get("cn/loc").info(code6)[1:]:
        if "county" in info:
            return info["county"]
    return None


def validate_division_code_format(code: str) -> None:
    if not DIVISION_CODE_RE.match(code or ""):
        raise ValidationError(
            _("The division code must be exactly 12 digits (统计用区划代码)."), code="format"
        )


def validate_division_code_for_kind(code: str, kind: str, parent_code: str | None) -> None:
    """A district's code ends in 000000 and names a known county-level unit; a township's or
    street's code starts with its district's six digits and ends in 000."""
    from .models import CenterKind

    validate_division_code_format(code)
    if kind == CenterKind.DISTRICT:
        if not code.endswith("000000"):
            raise ValidationError(
                _("A district's division code must end in 000000."), code="district_suffix"
            )
        if county_name(code[:6]) is None:
            raise ValidationError(
                _("%(code)s is not a known county-level division code.") % {"code": code[:6]},
                code="unknown_county",
            )
    elif kind in (CenterKind.TOWNSHIP, CenterKind.STREET):
        if not code.endswith("000") or code.endswith("000000"):
            raise ValidationError(
                _(
                    "A township's or street's division code ends in 000 and has a non-zero "
                    "township part (digits 7 to 9)."
                ),
                code="township_suffix",
            )
        if parent_code and code[:6] != parent_code[:6]:
            raise ValidationError(
                _("The division code must start with its district's code %(prefix)s.")
                % {"prefix": parent_code[:6]},
                code="parent_prefix",
            )


def validate_slug(slug: str) -> None:
    if not SLUG_RE.match(slug or ""):
        raise ValidationError(
            _(
                "The slug must be 3 to 40 characters of lower-case letters, digits and hyphens, "
                "starting with a letter."
            ),
            code="format",
        )
    if slug in RESERVED_SLUGS or slug.startswith(("pg-", "spare-")):
        raise ValidationError(_("The slug %(slug)s is reserved.") % {"slug": slug}, code="reserved")


def validate_hostname(hostname: str) -> None:
    if not HOSTNAME_RE.match(hostname or ""):
        raise ValidationError(
            _("%(domain)s is not a valid host name.") % {"domain": hostname}, code="hostname"
        )
