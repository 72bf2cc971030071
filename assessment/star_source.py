"""Tells alliances which scheme scores an alliance in a year (alliances.hooks): its stars then
come from the published quarters, never from a manual rating."""

from alliances import hooks
from assessment.cohorts import county_path
from assessment.models import Scheme, TargetKind


def scoring_scheme_name(alliance, year) -> str:
    scheme = (Scheme.objects.filter(target_kind=TargetKind.ALLIANCE, year=year,
                                    assessing_body__path__startswith=county_path(alliance.owner))
              .order_by("-version", "-id").only("name", "year", "version").first())
    return str(scheme) if scheme is not None else ""


def register():
    hooks.register_star_scheme_lookup(scoring_scheme_name)
