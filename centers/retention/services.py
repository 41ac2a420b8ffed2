"""Retention of personal data (PIPL art. 19 and 47): the city's policy and the nightly
anonymisation.

`retention_apply()` runs in one center's schema. For each kind of record it finds, oldest
first, the rows past the city's period (centers.retention.models) that still hold personal
data, and anonymises them in batches of `batch_size`, each batch in its own transaction, under
row locks that skip rows a desk is holding (they are taken the next night). An anonymised row
is marked (`anonymised_at`, or the anonymised name itself) and is never selected again, so a
second run changes nothing. Each batch writes, in its transaction, one audit entry (action
personal_data_anonymised) naming the center, the kind and the count. What is kept: everything
the figures, ledgers, the published results and the evaluation read (matter, dates, states,
decisions, ratings); the archive keeps the signed paper file.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.permissions import Capability, can, on_center_domain, on_city_domain
from tenants.audit.models import Action
from tenants.audit.services import audit_record

from .models import ANONYMISED_NAME, KINDS, MAX_DAYS, RetentionPolicy, field_name

BATCH_SIZE = 500


# --- the city's policy ----------------------------------------------------------------------


def policy_current() -> RetentionPolicy:
    """The one policy row (created with the defaults when missing). Readable from every schema:
    the table is in the public schema, on every search path."""
    policy = RetentionPolicy.objects.order_by("pk").first()
    if policy is None:
        policy, _created = RetentionPolicy.objects.get_or_create(pk=1)
    return policy


def policy_set(*, actor, request=None, **days) -> RetentionPolicy:
    """The city administrator sets the retention periods (days per kind, each at least its
    legal minimum). Every field is checked first; a refusal names each bad field and changes
    nothing. The change is audited with the periods before and after."""
    if on_center_domain() or not can(actor, Capability.EDIT_CITY_STANDARDS):
        raise PermissionDenied
    unknown = set(days) - {field_name(kind) for kind in KINDS}
    if unknown:
        raise ValueError(f"unknown retention fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for kind, (label, _default, minimum) in KINDS.items():
        name = field_name(kind)
        if name not in days:
            continue
        try:
            value = int(days[name])
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number of days.")]
            continue
        if value < minimum:
            errors[name] = [
                _("%(kind)s: at least %(min)s days (the legal minimum); %(value)s is too short.")
                % {"kind": label, "min": minimum, "value": value}
            ]
        elif value > MAX_DAYS:
            errors[name] = [_("%(kind)s: at most %(max)s days.") % {"kind": label, "max": MAX_DAYS}]
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = RetentionPolicy.objects.select_for_update().get(pk=policy_current().pk)
        before = {name: getattr(policy, name) for name in values}
        for name, value in values.items():
            setattr(policy, name, value)
        policy.updated_by = actor.get_username()[:150]
        policy.save(update_fields=[*values, "updated_by", "updated_at"])
        changed = {n: [before[n], v] for n, v in values.items() if before[n] != v}
        if changed:
            audit_record(
                action=Action.RETENTION_POLICY_CHANGED,
                actor=actor,
                request=request,
                obj="retention policy",
                detail={"changed": changed},
            )
    return policy


# --- the nightly anonymisation --------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of record: which rows are past a cutoff and still personal, and how one batch
    of them (locked, by primary key) is anonymised. `anonymise` returns how many rows it
    changed."""

    name: str
    due: Callable[[datetime.datetime], object]  # cutoff -> queryset of the rows to anonymise
    anonymise: Callable[[list, datetime.datetime], int]  # (locked rows, now) -> count


def _cases_due(cutoff):
    from centers.cases.models import Case

    return Case.objects.filter(closed_at__lt=cutoff, anonymised_at__isnull=True)


def _cases_anonymise(rows, now) -> int:
    """Name, ID number (and its hash), phone, contact, address; the scans are deleted (the
    files through the FileField, then the rows). A rollback leaves the rows for the next run:
    deleting a file that is already gone is not an error."""
    from centers.cases.models import Case, CaseFile

    ids = [row.pk for row in rows]
    for scan in CaseFile.objects.filter(case_id__in=ids).only("pk", "file"):
        scan.file.delete(save=False)
    CaseFile.objects.filter(case_id__in=ids).delete()
    return Case.objects.filter(pk__in=ids).update(
        applicant_name=ANONYMISED_NAME,
        applicant_id_number="",
        applicant_id_hash="",
        applicant_phone="",
        contact_name="",
        address="",
        anonymised_at=now,
    )


def _case_phones_due(cutoff):
    from centers.cases.models import Case

    return Case.objects.filter(closed_at__lt=cutoff, anonymised_at__isnull=True).exclude(
        applicant_phone=""
    )


def _case_phones_anonymise(rows, now) -> int:
    from centers.cases.models import Case

    return Case.objects.filter(pk__in=[row.pk for row in rows]).update(applicant_phone="")


def _notifications_due(cutoff):
    from centers.cases.models import Notification

    # A pending SMS is still to be sent; sent or failed ones count from their last activity.
    return Notification.objects.filter(
        Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, event__at__lt=cutoff),
        anonymised_at__isnull=True,
    ).exclude(state=Notification.State.PENDING)


def _notifications_anonymise(rows, now) -> int:
    from centers.cases.models import Notification

    return Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
        phone="", text=ANONYMISED_NAME, last_error="", anonymised_at=now
    )


def _appointments_due(cutoff):
    from centers.appointments.models import Appointment

    # An appointment is marked by its anonymised name (the app's tables stay as they are).
    return Appointment.objects.filter(date__lt=timezone.localdate(cutoff)).exclude(
        name=ANONYMISED_NAME
    )


def _appointments_anonymise(rows, now) -> int:
    from centers.appointments.models import Appointment

    return Appointment.objects.filter(pk__in=[row.pk for row in rows]).update(
        name=ANONYMISED_NAME, phone="", id_number_hash=""
    )


def _feedback_due(cutoff):
    from centers.feedback.models import Feedback

    # From its closing; one answered but never closed from the reply; one never handled from
    # its submission (its sender's data is not kept for ever because the center never replied).
    return Feedback.objects.filter(
        Q(closed_at__lt=cutoff)
        | Q(closed_at__isnull=True, replied_at__lt=cutoff)
        | Q(closed_at__isnull=True, replied_at__isnull=True, created_at__lt=cutoff),
        anonymised_at__isnull=True,
    )


def _feedback_anonymise(rows, now) -> int:
    from centers.feedback.models import Feedback

    return Feedback.objects.filter(pk__in=[row.pk for row in rows]).update(
        name=ANONYMISED_NAME, phone="", access_code_hash="", anonymised_at=now
    )


def _exchange_due(cutoff):
    from tenants.exchange.models import ExchangeMessage, MessageState
    from tenants.models import Center

    # This center's undelivered messages (a delivered one keeps no personal data already).
    center = Center.objects.get(schema_name=connection.schema_name)
    return ExchangeMessage.objects.filter(
        sender=center,
        state__in=[MessageState.FAILED, MessageState.CANCELLED],
        created_at__lt=cutoff,
        anonymised_at__isnull=True,
    )


def _exchange_anonymise(rows, now) -> int:
    from tenants.exchange.models import ExchangeAttachment

    for message in rows:
        payload = message.payload if isinstance(message.payload, dict) else {}
        if isinstance(payload.get("applicant"), dict):
            payload = {**payload, "applicant": {"name": ANONYMISED_NAME}}
        message.payload = payload
        message.anonymised_at = now
        message.save(update_fields=["payload", "anonymised_at"])
    ExchangeAttachment.objects.filter(message__in=rows).update(content=None)
    return len(rows)


KIND_RULES: dict[str, Kind] = {
    "cases": Kind("cases", _cases_due, _cases_anonymise),
    "case_phones": Kind("case_phones", _case_phones_due, _case_phones_anonymise),
    "notifications": Kind("notifications", _notifications_due, _notifications_anonymise),
    "appointments": Kind("appointments", _appointments_due, _appointments_anonymise),
    "feedback": Kind("feedback", _feedback_due, _feedback_anonymise),
    "exchange": Kind("exchange", _exchange_due, _exchange_anonymise),
}


def _apply_kind(kind: Kind, *, cutoff, now, days: int, batch_size: int) -> int:
    """Batch after batch, each in its own transaction with its audit entry."""
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                kind.due(cutoff)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            count = kind.anonymise(rows, now) if rows else 0
            if count:
                audit_record(
                    action=Action.PERSONAL_DATA_ANONYMISED,
                    username="retention",
                    obj=kind.name,
                    detail={
                        "kind": kind.name,
                        "count": count,
                        "retention_days": days,
                        "cutoff": cutoff.isoformat(),
                    },
                )
        total += count
        if len(rows) < batch_size:
            return total


def retention_apply(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """In the current center's schema: anonymise every record past the city's period, kind by
    kind; returns {kind: rows anonymised}. Safe to run again at any time."""
    if on_city_domain():
        raise ValueError("retention_apply runs in a center's schema, not the public one")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    now = now or timezone.now()
    policy = policy_current()
    counts: dict[str, int] = {}
    for name, kind in KIND_RULES.items():
        days = policy.days(name)
        cutoff = now - datetime.timedelta(days=days)
        counts[name] = _apply_kind(kind, cutoff=cutoff, now=now, days=days, batch_size=batch_size)
    return counts
