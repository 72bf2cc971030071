"""党建联盟's navigation and panels: one module per area registers its own."""

from alliances import (  # noqa: F401
    nav_competitions,
    nav_dashboard,
    nav_inspections,
    nav_meetings,
    nav_menu,
    nav_people,
    nav_projects,
    nav_showcase,
    nav_stars,
    nav_structure,
    nav_venues,
    scope,
)
