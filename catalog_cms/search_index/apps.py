from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchIndexConfig(AppConfig):
    name = "catalog_cms.search_index"
    label = "search_index"
    verbose_name = _("Guide search")
