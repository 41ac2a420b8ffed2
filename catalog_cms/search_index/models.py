"""The guide search's public tables: the synonym list the city keeps, and the index every
center publishes its catalog into (so the city-wide search reads one table, never a loop over
schemas, and a center's own search reads its rows of the same table)."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog_cms.standards.vocab import ProcessingMode


class Synonym(models.Model):
    """A word residents use and an official word it stands for (医保 → 医疗保险). A term may
    stand for several official words: one row each."""

    term = models.CharField(_("term residents use"), max_length=30, help_text=_("e.g. 医保"))
    official = models.CharField(_("official words"), max_length=60, help_text=_("e.g. 医疗保险"))

    class Meta:
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        ordering = ["term", "official"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "official"], name="synonym_term_official_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(term="") & ~models.Q(official=""),
                name="synonym_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.official}"


class PublishedMatter(models.Model):
    """One matter of one center's catalog as the search sees it; written only by
    services.center_matters_publish."""

    center = models.ForeignKey(
        "tenants.Center",
        verbose_name=_("center"),
        on_delete=models.CASCADE,
        related_name="published_matters",
    )
    code = models.CharField(_("matter code"), max_length=64)
    name = models.CharField(_("matter name"), max_length=200)
    category = models.CharField(_("category"), max_length=50, blank=True)
    mode = models.CharField(_("processing mode"), max_length=16, choices=ProcessingMode.choices)
    online = models.BooleanField(_("can be applied for online"), default=False)
    # Bigrams of the name (weight A) and of the conditions and material names (weight B).
    document = SearchVectorField(_("search document"))
    published_at = models.DateTimeField(_("published at"), auto_now=True)

    class Meta:
        verbose_name = _("published matter")
        verbose_name_plural = _("published matters")
        ordering = ["center", "code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="published_matter_unique"),
        ]
        indexes = [
            GinIndex(fields=["document"], name="published_matter_document"),
            # The city index is rebuilt per (code, name) from these rows.
            models.Index(fields=["code", "name"], name="published_matter_code_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CityMatter(models.Model):
    """One distinct matter (code and name) across every center, for the city-wide search:
    scoring runs over the few thousand distinct matters, not the rows of 300 centers. Derived
    from PublishedMatter only, by services.city_matters_refresh, in the same transaction as
    every publish; `center_ids` are the centers holding it, in division-code order (a center
    suspended since is dropped when read)."""

    code = models.CharField(_("matter code"), max_length=64)
    name = models.CharField(_("matter name"), max_length=200)
    category = models.CharField(_("category"), max_length=50, blank=True)
    online = models.BooleanField(_("can be applied for online"), default=False)
    document = SearchVectorField(_("search document"))
    center_ids = ArrayField(models.BigIntegerField(), verbose_name=_("centers"))

    class Meta:
        verbose_name = _("matter in the city-wide search")
        verbose_name_plural = _("matters in the city-wide search")
        constraints = [
            models.UniqueConstraint(fields=["code", "name"], name="city_matter_unique"),
        ]
        indexes = [GinIndex(fields=["document"], name="city_matter_document")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
