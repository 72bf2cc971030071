"""The main menu is rendered once per set of menu entries (portal.dashboard.menu_html) and
shown on every page: users of the same capabilities share it; another set of entries gets its
own; the page holds exactly the links the user may use."""

from django.urls import reverse

from portal import dashboard
from portal.dashboard import menu_html, nav_for


def test_the_menu_is_rendered_once_per_set_of_entries(county_admin, leader, village_secretary,
                                                      monkeypatch):
    dashboard._menu_html.cache_clear()
    rendered = []
    original = dashboard.render_to_string

    def counting(template_name, context=None, *args, **kwargs):
        if template_name == "includes/main_menu.html":
            rendered.append(template_name)
        return original(template_name, context, *args, **kwargs)

    monkeypatch.setattr(dashboard, "render_to_string", counting)
    first = menu_html(nav_for(county_admin))
    assert menu_html(nav_for(county_admin)) == first and len(rendered) == 1
    village = menu_html(nav_for(village_secretary))
    assert village != first and len(rendered) == 2
    for entry in nav_for(village_secretary):
        for item in entry.items:
            assert f'href="{item.url}"' in village and item.label in village


def test_every_page_shows_the_users_own_menu(client, village_secretary, county_admin):
    client.force_login(village_secretary)
    page = client.get(reverse("portal:home")).content.decode()
    links = {item.url for entry in nav_for(village_secretary) for item in entry.items}
    assert links and all(f'href="{url}"' in page for url in links)
    admin_only = {item.url for entry in nav_for(county_admin) for item in entry.items} - links
    assert admin_only and not any(f'href="{url}"' in page for url in admin_only)
