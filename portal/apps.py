from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from tenants.provisioning import CITY, EXISTING_CENTER, NEW_CENTER, register_step

        from .provisioning import center_site_create, city_site_ensure, notices_section_ensure

        register_step(NEW_CENTER, "portal.site", center_site_create, order=10)
        register_step(NEW_CENTER, "portal.notices", notices_section_ensure, order=20)
        register_step(CITY, "portal.site", city_site_ensure, order=10)
        register_step(CITY, "portal.notices", notices_section_ensure, order=20)
        register_step(EXISTING_CENTER, "portal.notices", notices_section_ensure, order=20)
