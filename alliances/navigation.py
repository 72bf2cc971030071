"""党建联盟's navigation and panels: one module per area registers its own."""

from alliances import (  # noqa: F401
    nav_inspections,
    nav_structure,
    nav_venues,
    scope,  # noqa: F401
)
