"""The city's retention policy (one row in the public schema): how long each kind of record
keeps the personal data in it before the nightly job anonymises it (centers.retention.services).

Periods are in days, counted from the day a record is done with: a case from its closing, an
appointment from its date, an SMS from its sending (or its event), a complaint or question
from its closing (or, never closed, its reply or its submission), an undelivered exchange
message from its creation. Cases still open are never anonymised. Each has a floor the city
cannot go below:

- cases: 5 years (1,825 days): the longest period in which a decision may still be taken to
  court (行政诉讼法 art. 46: five years from the decision); the archive keeps the signed paper
  file for its own period (30 years for permits) whatever the working copy does;
- the applicant's phone on a closed case, which opens its rating page (the ratings' second
  factor) and receives its SMS: 180 days;
- everything else: 180 days, the six months for which the network security law (网络安全法
  art. 21) asks that records of activity be kept, which is also the audit log's floor.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 36_500  # a hundred years: a typing error, not a policy

# kind -> (label, default days, minimum days)
KINDS: dict[str, tuple] = {
    "cases": (_("Cases (name, ID number, phone, address, scans)"), 3650, 1825),
    "case_phones": (_("Phone number of a closed case (ratings' second factor)"), 365, 180),
    "notifications": (_("SMS sent to applicants (phone and text)"), 180, 180),
    "appointments": (_("Appointments (name, phone, ID number)"), 365, 180),
    "feedback": (_("Complaints, suggestions and questions (name, phone)"), 1095, 180),
    "exchange": (_("Failed or cancelled exchange messages (applicant, scans)"), 180, 180),
}

ANONYMISED_NAME = "已匿名"


def field_name(kind: str) -> str:
    return f"{kind}_days"


class RetentionPolicy(models.Model):
    """The city's setting (one row): the retention period of each kind, in days."""

    cases_days = models.PositiveIntegerField(
        KINDS["cases"][0],
        default=KINDS["cases"][1],
        validators=[MinValueValidator(KINDS["cases"][2]), MaxValueValidator(MAX_DAYS)],
    )
    case_phones_days = models.PositiveIntegerField(
        KINDS["case_phones"][0],
        default=KINDS["case_phones"][1],
        validators=[MinValueValidator(KINDS["case_phones"][2]), MaxValueValidator(MAX_DAYS)],
    )
    notifications_days = models.PositiveIntegerField(
        KINDS["notifications"][0],
        default=KINDS["notifications"][1],
        validators=[MinValueValidator(KINDS["notifications"][2]), MaxValueValidator(MAX_DAYS)],
    )
    appointments_days = models.PositiveIntegerField(
        KINDS["appointments"][0],
        default=KINDS["appointments"][1],
        validators=[MinValueValidator(KINDS["appointments"][2]), MaxValueValidator(MAX_DAYS)],
    )
    feedback_days = models.PositiveIntegerField(
        KINDS["feedback"][0],
        default=KINDS["feedback"][1],
        validators=[MinValueValidator(KINDS["feedback"][2]), MaxValueValidator(MAX_DAYS)],
    )
    exchange_days = models.PositiveIntegerField(
        KINDS["exchange"][0],
        default=KINDS["exchange"][1],
        validators=[MinValueValidator(KINDS["exchange"][2]), MaxValueValidator(MAX_DAYS)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    **{f"{field_name(kind)}__gte": spec[2] for kind, spec in KINDS.items()}
                ),
                name="retention_policy_minimums",
            )
        ]

    def __str__(self) -> str:
        return ", ".join(f"{kind} {self.days(kind)}" for kind in KINDS)

    def days(self, kind: str) -> int:
        return getattr(self, field_name(kind))
