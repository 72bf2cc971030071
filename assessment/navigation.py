"""考核评价's navigation group and home-page panels (imported from AssessmentConfig.ready):
one module per area registers its own items."""

from assessment import nav_people, nav_rankings, nav_results, nav_scoring  # noqa: F401
