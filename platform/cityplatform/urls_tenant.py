"""A center's domain (its own schema)."""

from .urls_common import common_patterns, me_pattern

head, wagtail = common_patterns(__name__, [me_pattern])
urlpatterns = head + wagtail
