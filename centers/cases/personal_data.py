"""A resident's full ID number and phone number, shown on request and audited (issue 14).

Every screen and API answer shows the masked forms (Case.applicant_id_masked,
applicant_phone_masked). The roles that handle cases (permissions.may_view_personal_data) may
ask for the full values of one case: `case_personal_data_reveal` checks, writes one audit entry
per value (audit.services.personal_data_read, listed in /admin/audit/) and returns them, in one
transaction. The desk's "show in full" button and POST /api/v1/cases/<receipt>/personal-data/
both call it. Lookups by ID number go through `cases_with_id_number` (the keyed hash)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from cityplatform.pii import lookup_hash
from tenants.accounts.permissions import may_view_personal_data
from tenants.audit.services import personal_data_read

from .models import Case

REVEALED = ("id_number", "phone")


def case_personal_data_reveal(request, case: Case) -> dict[str, str]:
    """The full ID number and phone of `case` for `request.user`, each read recorded."""
    if not may_view_personal_data(request.user):
        raise PermissionDenied(
            _(
                "Only window staff and the center director see an applicant's full ID number "
                "and phone number."
            )
        )
    values = {"id_number": case.applicant_id_number, "phone": case.applicant_phone}
    with transaction.atomic():
        for what in REVEALED:
            if values[what]:
                personal_data_read(request, receipt=case.receipt_number, what=what)
    return values


def is_id_number(value: str) -> bool:
    """Whether `value` is a valid resident ID or unified social credit code (checksums)."""
    value = value.replace(" ", "").upper()
    return len(value) == 18 and (ric.is_valid(value) or uscc.is_valid(value))


def cases_with_id_number(id_number: str) -> QuerySet[Case]:
    """The cases of one resident or organisation, found by the keyed hash of the ID number
    (the encrypted column cannot be searched)."""
    digest = lookup_hash(id_number.replace(" ", ""))
    if not digest:
        return Case.objects.none()
    return Case.objects.filter(applicant_id_hash=digest)
