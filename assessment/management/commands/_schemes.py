"""Shared by the assessment commands: which schemes a --year/--scheme pair names."""

from django.core.management.base import CommandError

from assessment.models import Scheme


def add_scheme_arguments(parser):
    parser.add_argument("--year", type=int, required=True, help="考核年度")
    parser.add_argument("--scheme", type=int,
                        help="只处理该编号的考核方案（默认：该年度全部现行方案）")


def schemes_for(year, scheme_id=None, quarter=None):
    schemes = Scheme.objects.filter(year=year, superseded_by__isnull=True).select_related(
        "assessing_body").order_by("assessing_body__path", "target_kind", "pk")
    if scheme_id is not None:
        schemes = Scheme.objects.filter(pk=scheme_id, year=year)
        if not schemes:
            raise CommandError(f"{year}年没有编号为 {scheme_id} 的考核方案。")
    chosen = [s for s in schemes if quarter is None or quarter in s.quarters()]
    if not chosen:
        raise CommandError(f"{year}年没有{'包含该季度的' if quarter else ''}考核方案。")
    return chosen


def error_text(exc):
    return "；".join(getattr(exc, "messages", [str(exc)]))
