from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

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

    class Meta:
        verbose_name = _("city brand (统一标识)")

    def __str__(self) -> str:
        return self.city_name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from django.core.cache import cache

        from .selectors import BRAND_CACHE_KEY

        cache.delete(BRAND_CACHE_KEY)
