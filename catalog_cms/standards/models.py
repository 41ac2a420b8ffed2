from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import ProtectedError
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from cityplatform.history import AppendOnlyModel

from .validators import matter_code_validator, validate_brand_image
from .vocab import (
    NINE_ELEMENTS,
    AuthorityLevel,
    CenterRule,
    HandlingForm,
    MatterType,
    ProcessingMode,
    handling_errors,
)

hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


@register_setting(icon="pick")
class Brand(BaseGenericSetting):
    """The city's shared brand (统一标识), kept in the public schema only and read by every
    center's portal, so a change shows everywhere at once."""

    city_name = models.CharField(_("city name"), max_length=50, default="沈阳市")
    office_name = models.CharField(
        _("service office name"), max_length=100, default="沈阳市政务服务管理办公室"
    )
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#b71c1c", validators=[hex_color]
    )
    accent_color = models.CharField(
        _("accent colour"), max_length=7, default="#f2c94c", validators=[hex_color]
    )
    hotline = models.CharField(_("government service hotline"), max_length=20, default="12345")
    footer_text = models.CharField(
        _("footer text"), max_length=300, blank=True, default="沈阳市政务服务管理办公室 主办"
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="brand/",
        blank=True,
        validators=[validate_brand_image],
        help_text=_("PNG or JPEG, at most 2 MB and 2000×2000 pixels."),
    )
    emblem = models.ImageField(
        _("emblem"),
        upload_to="brand/",
        blank=True,
        validators=[validate_brand_image],
        help_text=_("PNG or JPEG, at most 2 MB and 2000×2000 pixels."),
    )
    complaint_phone = models.CharField(
        _("complaint phone (监督电话)"), max_length=40, blank=True, default="12345"
    )
    complaint_mailbox = models.CharField(
        _("complaint mailbox (监督信箱)"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("city brand (统一标识)")

    def __str__(self) -> str:
        return self.city_name

    def _public_url(self, image) -> str | None:
        """The image's address under the public schema's media, whichever schema is active
        (the tenant storage builds URLs from the current schema; tenant_media serves
        /media/public/brand/… on every domain)."""
        if not image:
            return None
        from django.conf import settings
        from django_tenants.utils import schema_context

        with schema_context(settings.PUBLIC_SCHEMA_NAME):
            return image.url

    @property
    def logo_url(self) -> str | None:
        return self._public_url(self.logo)

    @property
    def emblem_url(self) -> str | None:
        return self._public_url(self.emblem)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from django.conf import settings
        from django.core.cache import cache
        from django_tenants.utils import schema_context

        from .selectors import BRAND_CACHE_KEY, city_brand_forget

        with schema_context(settings.PUBLIC_SCHEMA_NAME):  # the key city_brand() reads
            cache.delete(BRAND_CACHE_KEY)
        city_brand_forget()


class StandardsAuditEvent(AppendOnlyModel):
    """Append-only record of what the city changed in its standards and catalog, and who."""

    action = models.CharField(_("action"), max_length=48)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("standards audit event")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"


class StandardKind(models.TextChoices):
    TOWNSHIP = "township", _("Township")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District")


class CenterStandard(models.Model):
    """What the city requires of a center of one kind (one row per kind, seeded)."""

    kind = models.CharField(_("kind"), max_length=16, choices=StandardKind.choices, unique=True)
    min_floor_area_m2 = models.DecimalField(
        _("minimum floor area (m²)"), max_digits=8, decimal_places=1, default=0
    )
    min_weekly_open_hours = models.DecimalField(
        _("minimum weekly opening hours"), max_digits=5, decimal_places=1, default=40
    )
    required_rules = models.JSONField(_("required rules"), default=list, blank=True)

    class Meta:
        verbose_name = _("center standard")
        verbose_name_plural = _("center standards")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self):
        unknown = set(self.required_rules or []) - set(CenterRule.values)
        if unknown:
            raise ValidationError(
                {"required_rules": _("Unknown rules: %(rules)s") % {"rules": ", ".join(unknown)}}
            )


class CenterFacts(models.Model):
    """What one center declares about itself (written by its workspace through
    services.center_facts_publish); the city's compliance view and the public directory of
    centers read only this table."""

    center = models.OneToOneField(
        "tenants.Center", on_delete=models.CASCADE, related_name="facts", verbose_name=_("center")
    )
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    weekly_open_hours = models.DecimalField(
        _("weekly opening hours"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    rules_kept = models.JSONField(_("rules kept"), default=list, blank=True)
    windows_count = models.PositiveIntegerField(_("windows"), default=0)
    # What the city's directory shows (portal.city), so it never reads a center's schema.
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    supervision_phone = models.CharField(_("supervision phone"), max_length=30, blank=True)
    # [[weekday (0 = Monday), "08:30", "12:00"], …]
    opening_intervals = models.JSONField(_("weekly opening intervals"), default=list, blank=True)
    # [["2026-12-01", "2026-12-02"], …]: the center's own closures not yet over (inclusive).
    closures = models.JSONField(_("closures"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("center facts")
        verbose_name_plural = _("center facts")

    def __str__(self) -> str:
        return f"{self.center_id}"


class MatterCategory(models.Model):
    """A category of matters (事项类别), a list the city keeps."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("matter category")
        verbose_name_plural = _("matter categories")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):
    """A life event (人生事件) residents look matters up by, a list the city keeps."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class MatterTemplate(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel
):
    """A standard matter (标准事项) with its service guide, published by the city for every
    center to adopt. The live row holds the published version; drafts live in revisions."""

    name = models.CharField(_("matter name"), max_length=200)
    code = models.CharField(
        _("matter code"), max_length=64, unique=True, validators=[matter_code_validator]
    )
    category = models.ForeignKey(
        MatterCategory, on_delete=models.PROTECT, verbose_name=_("category"), related_name="+"
    )
    matter_type = models.CharField(
        _("matter type"), max_length=2, choices=MatterType.choices, blank=True
    )
    authority_level = models.CharField(
        _("authority level"),
        max_length=16,
        choices=AuthorityLevel.choices,
        default=AuthorityLevel.TOWNSHIP,
    )
    mode = models.CharField(
        _("processing mode"),
        max_length=16,
        choices=ProcessingMode.choices,
        default=ProcessingMode.PROMISED,
    )
    handling_body = models.TextField(_("办理主体"))
    # Art. 32(2): where an applicant whom a center may not serve is sent (the default of a
    # 不予受理 for a matter outside the center's competence).
    competent_authority = models.CharField(
        _("competent authority (where to apply when out of a center's competence)"),
        max_length=200,
        blank=True,
    )
    legal_basis = models.TextField(_("办理依据"))
    conditions = models.TextField(_("办理条件"))
    procedure = models.TextField(_("办理程序"))
    time_limit_text = models.TextField(_("办理时限"))
    result = models.TextField(_("办理结果"))
    fee_basis = models.TextField(_("收费依据"))
    fee_standard = models.TextField(_("收费标准"))
    supervision = models.TextField(_("监督渠道"))
    legal_days = models.PositiveSmallIntegerField(
        _("legal time limit (working days)"), default=0, help_text=_("0 = the same day")
    )
    promised_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"), default=0, help_text=_("0 = the same day")
    )
    handling_form = models.CharField(
        _("concerted handling (协同办理形式)"),
        max_length=16,
        choices=HandlingForm.choices,
        blank=True,
        help_text=_("Blank: 联合办理 for a joint matter, 单独办理 otherwise (art. 42)."),
    )
    extension_max_days = models.PositiveSmallIntegerField(
        _("maximum extension (working days)"),
        null=True,
        blank=True,
        help_text=_("Blank: the law's maximum, 10 working days, or 15 for concerted handling."),
    )
    issues_certificate = models.BooleanField(
        _("the result is a certificate or licence (证照)"),
        default=False,
        help_text=_("A granting decision is followed by the certificate within 10 working days."),
    )
    fee_free = models.BooleanField(_("free of charge (不收费)"), default=True)
    fee_amount = models.DecimalField(
        _("fee amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    departments = models.JSONField(_("departments involved"), default=list, blank=True)
    online = models.BooleanField(_("can be applied for online"), default=False)
    visits = models.PositiveSmallIntegerField(
        _("visits needed (到现场次数)"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(2)],
        choices=[(0, "0"), (1, "1"), (2, "2")],
    )
    life_events = ParentalManyToManyField(
        LifeEvent, blank=True, verbose_name=_("life events"), related_name="+"
    )
    published_version = models.PositiveIntegerField(_("published version"), default=0)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="matter_template")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="matter_template",
        for_concrete_model=False,
    )

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("code"),
    ]

    class Meta:
        verbose_name = _("matter template")
        verbose_name_plural = _("matter templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def revisions(self):
        return self._revisions

    def clean(self):
        errors = {}
        if (
            self.promised_days is not None
            and self.legal_days is not None
            and self.promised_days > self.legal_days
        ):
            errors["promised_days"] = [
                _(
                    "The promised time limit (%(promised)d working days) cannot exceed "
                    "the legal one (%(legal)d)."
                )
                % {"promised": self.promised_days, "legal": self.legal_days}
            ]
        if not self.fee_free and self.fee_amount is None:
            errors["fee_amount"] = [_("Enter the fee, or mark the matter as free of charge.")]
        if self.mode == ProcessingMode.IMMEDIATE and self.promised_days:
            errors.setdefault("promised_days", []).append(
                _("An immediate (即办) matter is finished the same day: 0 working days.")
            )
        for name, messages in handling_errors(
            self.mode, self.handling_form, self.extension_max_days
        ).items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def publication_errors(self) -> dict:
        """What stops this version from being published: every one of the nine elements and
        at least one material must be filled, and the extension within the law (art. 42)."""
        errors = handling_errors(self.mode, self.handling_form, self.extension_max_days)
        for field, label in NINE_ELEMENTS:
            if not (getattr(self, field) or "").strip():
                errors[field] = [
                    _("%(label)s must be filled before publishing.") % {"label": label}
                ]
        if not [m for m in self.materials.all() if (m.name or "").strip()]:
            errors["materials"] = [_("List at least one material before publishing.")]
        return errors

    def check_publishable(self) -> None:
        errors = self.publication_errors()
        if errors:
            raise ValidationError(errors)

    def publish(self, revision, *args, **kwargs):
        """Every way of publishing (admin, workflow, services) passes the completeness check."""
        revision.as_object().check_publishable()
        return super().publish(revision, *args, **kwargs)

    def save(self, *args, **kwargs):
        if self.pk and self.live_revision_id:
            previous = (
                type(self)
                .objects.filter(pk=self.pk)
                .values_list("live_revision_id", "published_version")
                .first()
            )
            if previous and previous[0] != self.live_revision_id:
                self.published_version = previous[1] + 1
        elif not self.pk and self.live_revision_id:
            self.published_version = 1
        super().save(*args, **kwargs)


class MatterMaterial(Orderable):
    """One material (申报材料) an applicant brings."""

    template = ParentalKey(MatterTemplate, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("material"), max_length=200)
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    required = models.BooleanField(_("required"), default=True)
    # 容缺受理: a non-essential material a center may accept the case without, against the
    # applicant's written commitment to bring it by a date.
    tolerance = models.BooleanField(
        _("容缺 allowed (may be brought after acceptance)"), default=False
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    sample = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sample"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def clean(self):
        if self.tolerance and not self.required:
            raise ValidationError({"tolerance": [_("容缺 applies to a required material only.")]})


class MatterQuestion(Orderable):
    """A frequent question (常见问题) and its answer."""

    template = ParentalKey(MatterTemplate, on_delete=models.CASCADE, related_name="questions")
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))

    class Meta(Orderable.Meta):
        verbose_name = _("frequent question")
        verbose_name_plural = _("frequent questions")


class DistrictCatalogEntry(models.Model):
    """A matter in a district's unified catalog (区县统一服务事项目录)."""

    district = models.ForeignKey(
        "tenants.Center",
        on_delete=models.CASCADE,
        related_name="catalog_entries",
        verbose_name=_("district center"),
    )
    template = models.ForeignKey(
        MatterTemplate,
        on_delete=models.CASCADE,
        related_name="district_entries",
        verbose_name=_("matter template"),
    )
    receiving_window = models.CharField(
        _("receiving window / center (上报件)"), max_length=200, blank=True
    )
    local_contact = models.CharField(_("local contact"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("district catalog entry")
        verbose_name_plural = _("district catalog entries")
        ordering = ["district_id", "template__code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "template"], name="district_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.district_id}: {self.template_id}"


@receiver(pre_delete, sender=LifeEvent)
def _life_event_in_use(sender, instance, **kwargs):
    """Backstop for deletes that bypass services.vocabulary_entry_delete: the M2M through
    table would otherwise drop the life event from templates silently."""
    used = list(MatterTemplate.objects.filter(life_events=instance)[:1])
    if used:
        raise ProtectedError(
            _("The life event %(name)s is used by matter templates.") % {"name": instance.name},
            used,
        )


class OfficialScheduleYear(models.Model):
    """A year's official holiday schedule (国务院办公厅关于部分节假日安排的通知), entered by the
    city when it is published and the calendar library does not carry it yet; or, in any year,
    the city's own official days (a day the city is ordered to rest, an adjusted working day).
    Once confirmed, the working-day calendar of every center uses its days for that year, over
    the library and the provisional fallback (行政许可法 art. 82). Written only by
    services.official_schedule_save."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(_("published in (文号)"), max_length=200, blank=True)
    confirmed = models.BooleanField(_("confirmed as official"), default=False)
    entered_by = models.CharField(_("entered by"), max_length=150, blank=True)
    confirmed_by = models.CharField(_("confirmed by"), max_length=150, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("official holiday schedule")
        verbose_name_plural = _("official holiday schedules")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class OfficialScheduleDay(models.Model):
    """A day the schedule declares: a day off (the holiday itself and its bridge days,
    放假) or an adjusted working weekend day (调休上班). Days not listed follow the calendar
    library, or the week in a year it does not know."""

    schedule = models.ForeignKey(
        OfficialScheduleYear, on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    working = models.BooleanField(_("working day (调休上班)"), default=False)
    holiday_name = models.CharField(_("holiday"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("official schedule day")
        verbose_name_plural = _("official schedule days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="official_schedule_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.working else '休'} {self.holiday_name}".strip()


# --- the city's appointment policy -------------------------------------------------------------

APPOINTMENT_OPEN_DEFAULT = 3
APPOINTMENT_OPEN_MAX = 20
APPOINTMENT_HORIZON_DEFAULT_DAYS = 30
APPOINTMENT_HORIZON_MAX_DAYS = 90


class AppointmentPolicy(models.Model):
    """The city's rules for every center's online appointments (one row, public schema, read
    by every center): how many open bookings one phone number and one resident ID number may
    hold, and how far ahead a resident may book."""

    max_open_per_phone = models.PositiveSmallIntegerField(
        _("open bookings per phone number"),
        default=APPOINTMENT_OPEN_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(APPOINTMENT_OPEN_MAX)],
    )
    max_open_per_id_number = models.PositiveSmallIntegerField(
        _("open bookings per resident ID number"),
        default=APPOINTMENT_OPEN_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(APPOINTMENT_OPEN_MAX)],
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=APPOINTMENT_HORIZON_DEFAULT_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(APPOINTMENT_HORIZON_MAX_DAYS)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("appointment policy")
        verbose_name_plural = _("appointment policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    max_open_per_phone__gte=1,
                    max_open_per_phone__lte=APPOINTMENT_OPEN_MAX,
                    max_open_per_id_number__gte=1,
                    max_open_per_id_number__lte=APPOINTMENT_OPEN_MAX,
                    horizon_days__gte=1,
                    horizon_days__lte=APPOINTMENT_HORIZON_MAX_DAYS,
                ),
                name="appointment_policy_bounds",
            )
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


# --- the city's case policy: who may approve a fee waiver, how long an objection may wait -------


class WaiverAuthority(models.TextChoices):
    """Who may approve a fee waiver (减免). Seed plan 3 (统一收费): a waiver follows the
    government's written policy, or, where there is none, is examined by the unit head and
    approved by the government itself; so the city sets, per fee item or matter, whether the
    center director, the district or the city approves."""

    CENTER_DIRECTOR = "center_director", _("中心主任 (the center director)")
    DISTRICT = "district", _("区县(市) (the district)")
    CITY = "city", _("市 (the city)")


OBJECTION_ANSWER_DEFAULT_DAYS = 5
OBJECTION_ANSWER_MAX_DAYS = 30


class CasePolicy(models.Model):
    """The city's rules for every center's cases (one row, public schema, read by every
    center): who may approve a fee waiver — a default, with overrides per matter code or fee
    item (`waiver_overrides`: [{"matter": code} or {"item": name}, "authority": value], the
    first match wins, a matter before an item) — and in how many working days (on the official
    calendar) the case owner answers an applicant's objection in writing (seed plan 1,
    退回件: 承办人应明确答复,并说明理由)."""

    waiver_authority = models.CharField(
        _("who approves a fee waiver (default)"),
        max_length=16,
        choices=WaiverAuthority.choices,
        default=WaiverAuthority.CENTER_DIRECTOR,
    )
    waiver_overrides = models.JSONField(_("overrides per matter or fee item"), default=list)
    objection_answer_days = models.PositiveSmallIntegerField(
        _("working days to answer an objection"),
        default=OBJECTION_ANSWER_DEFAULT_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(OBJECTION_ANSWER_MAX_DAYS)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("case policy")
        verbose_name_plural = _("case policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    objection_answer_days__gte=1,
                    objection_answer_days__lte=OBJECTION_ANSWER_MAX_DAYS,
                ),
                name="case_policy_objection_days",
            )
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def waiver_authority_for(self, *, matter_code: str, item: str) -> str:
        """Who approves the waiver of fee `item` of a case of `matter_code`."""
        for key, value in (("matter", matter_code), ("item", item)):
            for rule in self.waiver_overrides or []:
                if rule.get(key) and rule.get(key) == value:
                    return rule.get("authority") or self.waiver_authority
        return self.waiver_authority
