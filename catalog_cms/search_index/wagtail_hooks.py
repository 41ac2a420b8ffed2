"""The synonym list in the city's Wagtail admin (city domain only): city editors
(EDIT_CITY_STANDARDS) add, change and delete; other staff of the city may look."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from tenants.accounts.permissions import Capability, can, on_center_domain

from .models import Synonym


class SynonymPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if on_center_domain():
            return False
        if action == "view":
            return can(user, Capability.ACCESS_ADMIN)
        return can(user, Capability.EDIT_CITY_STANDARDS)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, a) for a in actions)


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "search"
    menu_label = _("Search synonyms")
    url_prefix = "search-index/synonyms"
    add_to_admin_menu = False
    list_display = ["term", "official"]
    search_fields = ["term", "official"]
    panels = [FieldPanel("term"), FieldPanel("official")]


register_permission_policy(Synonym, SynonymPermissionPolicy(Synonym))
register_snippet(SynonymViewSet)
