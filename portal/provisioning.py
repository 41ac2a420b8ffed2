"""The portal's provisioning steps (registered in ``PortalConfig.ready()``): a new center's
Wagtail site and home page, the city's, and every site's notices section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .notices import notices_setup

if TYPE_CHECKING:
    from tenants.models import Center


def center_site_create(center: Center, hostname: str) -> None:
    """Replace the template's placeholder site and page with the center's own."""
    from wagtail.models import Page, Site

    from .models import CenterHomePage

    Site.objects.all().delete()
    Page.objects.filter(depth=2).delete()
    root = Page.get_first_root_node()
    home = root.add_child(
        instance=CenterHomePage(title=center.display_name, slug="home", live=True)
    )
    Site.objects.create(
        hostname=hostname,
        port=80,
        site_name=center.display_name,
        root_page=home,
        is_default_site=True,
    )


def city_site_ensure(city: Center, hostname: str) -> None:
    from wagtail.models import Page, Site

    from .models import CityHomePage

    if CityHomePage.objects.exists():
        return
    Site.objects.all().delete()
    Page.objects.filter(depth=2).delete()
    root = Page.get_first_root_node()
    home = root.add_child(
        instance=CityHomePage(title=f"{city.name}政务服务", slug="home", live=True)
    )
    Site.objects.create(
        hostname=hostname,
        port=80,
        site_name=f"{city.name}政务服务",
        root_page=home,
        is_default_site=True,
    )


def notices_section_ensure(center: Center, hostname: str) -> None:
    notices_setup()
