"""The center's local matter catalog (本中心事项目录), in the center's own schema."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog_cms.standards.validators import matter_code_validator
from catalog_cms.standards.vocab import AuthorityLevel, HandlingForm, MatterType, ProcessingMode
from cityplatform.history import AppendOnlyModel

# The public fields a LocalMatter copies from its template: adoption and updates write
# these and nothing else, so the local fields below are never overwritten.
TEMPLATE_FIELDS = (
    "name",
    "category_name",
    "matter_type",
    "authority_level",
    "mode",
    "handling_body",
    "competent_authority",
    "legal_basis",
    "conditions",
    "procedure",
    "time_limit_text",
    "result",
    "fee_basis",
    "fee_standard",
    "supervision",
    "legal_days",
    "promised_days",
    "handling_form",
    "extension_max_days",
    "issues_certificate",
    "fee_free",
    "fee_amount",
    "departments",
    "online",
    "visits",
    "materials",
    "questions",
    "life_events",
)
LOCAL_FIELDS = ("window_text", "local_contact", "local_notes")


class LocalMatter(models.Model):
    """A matter this center handles: a copy of a city template as of the adopted revision,
    or a local-only matter (no template)."""

    code = models.CharField(
        _("matter code"), max_length=64, unique=True, validators=[matter_code_validator]
    )
    template_id = models.BigIntegerField(_("template"), null=True, blank=True, db_index=True)
    adopted_revision_id = models.BigIntegerField(_("adopted revision"), null=True, blank=True)
    adopted_version = models.PositiveIntegerField(_("adopted version"), null=True, blank=True)

    name = models.CharField(_("matter name"), max_length=200)
    category_name = models.CharField(_("category"), max_length=50)
    matter_type = models.CharField(
        _("matter type"), max_length=2, choices=MatterType.choices, blank=True
    )
    authority_level = models.CharField(
        _("authority level"), max_length=16, choices=AuthorityLevel.choices
    )
    mode = models.CharField(_("processing mode"), max_length=16, choices=ProcessingMode.choices)
    handling_body = models.TextField(_("办理主体"), blank=True)
    competent_authority = models.CharField(
        _("competent authority (where to apply when out of a center's competence)"),
        max_length=200,
        blank=True,
    )
    legal_basis = models.TextField(_("办理依据"), blank=True)
    conditions = models.TextField(_("办理条件"), blank=True)
    procedure = models.TextField(_("办理程序"), blank=True)
    time_limit_text = models.TextField(_("办理时限"), blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    fee_standard = models.TextField(_("收费标准"), blank=True)
    supervision = models.TextField(_("监督渠道"), blank=True)
    legal_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"), default=0)
    promised_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"), default=0
    )
    # 行政许可法 arts. 42, 44: the handling form and the template's maximum extension (blank:
    # the law's), and whether a granting decision is followed by a certificate.
    handling_form = models.CharField(
        _("concerted handling (协同办理形式)"),
        max_length=16,
        choices=HandlingForm.choices,
        blank=True,
    )
    extension_max_days = models.PositiveSmallIntegerField(
        _("maximum extension (working days)"), null=True, blank=True
    )
    issues_certificate = models.BooleanField(
        _("the result is a certificate or licence (证照)"), default=False
    )
    fee_free = models.BooleanField(_("free of charge (不收费)"), default=True)
    fee_amount = models.DecimalField(
        _("fee amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    departments = models.JSONField(_("departments involved"), default=list, blank=True)
    online = models.BooleanField(_("can be applied for online"), default=False)
    visits = models.PositiveSmallIntegerField(_("visits needed (到现场次数)"), default=1)
    materials = models.JSONField(_("materials"), default=list, blank=True)
    questions = models.JSONField(_("frequent questions"), default=list, blank=True)
    life_events = models.JSONField(_("life events"), default=list, blank=True)

    # Local only: never written by adoption or by an update from the template.
    window_text = models.CharField(_("window"), max_length=200, blank=True)
    local_contact = models.CharField(_("local contact"), max_length=200, blank=True)
    local_notes = models.TextField(_("local notes"), blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("local matter")
        verbose_name_plural = _("local matters")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_local_only(self) -> bool:
        return self.template_id is None

    @property
    def extension_limit(self) -> int:
        """The most working days a case of this matter may be extended by (art. 42)."""
        from catalog_cms.standards.vocab import extension_limit

        return extension_limit(self.mode, self.handling_form, self.extension_max_days)


class CatalogEvent(AppendOnlyModel):
    """Append-only record of what changed in this center's catalog, and who changed it."""

    action = models.CharField(_("action"), max_length=48)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    code = models.CharField(_("matter code"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("catalog event")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} {self.code}"
