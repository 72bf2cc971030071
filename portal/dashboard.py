"""Registries that let each app add navigation entries and home-page panels.

portal imports no other app; pairing, ledger, ... register here from their AppConfig.ready().
"""

import functools
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse

from portal.fragments import cached_fragment
from portal.scope import active_roles, has_capability


@dataclass(frozen=True)
class NavItem:
    """A navigation link; items sharing a `group` label appear together in one drop-down."""

    label: str
    url_name: str
    icon: str
    capability: str
    order: int = 100
    group: str = ""

    @property
    def url(self):
        return _reversed(self.url_name, get_script_prefix())


@functools.lru_cache(maxsize=512)
def _reversed(url_name, prefix):
    """reverse(url_name) under `prefix`: every page's menu holds up to ~50 links, and reversing
    each on every page cost 2-3 ms of a cached page's 10."""
    return reverse(url_name)


@dataclass
class NavEntry:
    label: str
    icon: str
    items: list


@dataclass(frozen=True)
class Panel:
    """A home-page panel: `context(request)` returns the template context (`data` in the
    template), or None to hide it. The panel's HTML is cached until the data changes
    (portal.fragments), so `context` and the template may depend only on the user, the day and
    the data, or call fragments.valid_until(request, moment) for a change the clock brings
    (a booking ending); `charts` panels get the home page's chart script."""

    key: str
    title: str
    template: str
    roles: frozenset
    context: object
    order: int = 100
    width: str = "col-lg-6"
    extra: dict = field(default_factory=dict)
    charts: bool = False


@dataclass(frozen=True)
class ShownPanel:
    """A panel built by this request (not served from the cache) and its context."""

    panel: Panel
    data: object


@dataclass(frozen=True)
class DetailSection:
    """A section another app adds to one of portal's detail pages ("person", "org"):
    `context(request, obj)` returns the template context, or None to leave it out. So the
    person page shows assessment's grade history without portal importing assessment."""

    key: str
    page: str
    template: str
    context: object
    order: int = 100


_nav: list[NavItem] = []
_panels: list[Panel] = []
_sections: list[DetailSection] = []


def register_nav(item: NavItem):
    _nav.append(item)
    _nav.sort(key=lambda i: i.order)


def register_panel(panel: Panel):
    _panels.append(panel)
    _panels.sort(key=lambda p: p.order)


def register_section(section: DetailSection):
    _sections.append(section)
    _sections.sort(key=lambda s: s.order)


def sections_for(request, page, obj):
    """[(section, context)] of the sections of `page` that have something to show for obj."""
    shown = []
    for section in _sections:
        if section.page != page:
            continue
        context = section.context(request, obj)
        if context is not None:
            shown.append((section, context))
    return shown


def nav_for(user):
    """The navigation the user may use: single links and drop-down groups, in order."""
    entries, groups = [], {}
    for item in _nav:
        if not has_capability(user, item.capability):
            continue
        if not item.group:
            entries.append(NavEntry(item.label, item.icon, [item]))
        elif item.group in groups:
            groups[item.group].items.append(item)
        else:
            groups[item.group] = NavEntry(item.group, item.icon, [item])
            entries.append(groups[item.group])
    return entries


def menu_html(entries):
    """The main menu's links for `entries` (nav_for's), rendered once per distinct set of
    entries and script prefix and kept for the process: a menu is the same for every user of
    the same capabilities, and rendering its ~40 links took about a fifth of a cached page's
    time (the saturated compliance pages of the load benchmark)."""
    key = tuple((entry.label, entry.icon, tuple(entry.items)) for entry in entries)
    return _menu_html(key, get_script_prefix())


@functools.lru_cache(maxsize=256)
def _menu_html(key, prefix):
    entries = [NavEntry(label, icon, list(items)) for label, icon, items in key]
    return render_to_string("includes/main_menu.html", {"nav_items": entries})


def _shown(request, panel, built):
    """The panel's card HTML ("" when it has nothing to show); its ShownPanel joins `built`."""
    context = panel.context(request)
    if context is None:
        return ""
    html = render_to_string(panel.template, {"data": context, "panel": panel})
    built.append(ShownPanel(panel, context))
    return render_to_string("portal/panels/_card.html", {"panel": panel, "html": html})


def home_panels(request):
    """(the home page's panel grid as HTML, [ShownPanel] built by this request).

    The cards, and the chart script when a chart panel is shown, are one fragment
    (portal.fragments): a home page served from the cache reads one entry. A panel whose
    content changes with the clock says when (fragments.valid_until)."""
    roles = {role for role, _, _ in active_roles(request.user)}
    mine = [panel for panel in _panels
            if roles & panel.roles or (request.user.is_superuser and not roles)]
    built = []

    def grid():
        cards = [_shown(request, panel, built) for panel in mine]
        if any(shown.panel.charts for shown in built):
            cards.append(render_to_string("portal/panels/_chart_scripts.html"))
        return "".join(cards)

    return cached_fragment(request, "home:panels", grid), built
