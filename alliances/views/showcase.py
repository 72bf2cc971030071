"""季度晾晒 pages: an alliance's figures and 定期分析 for a quarter, a township's board comparing
its alliances by type and by level (分层分类比拼), and the board as an A3 PDF poster, rendered by
a background job (POST starts it; the file is downloaded from the job's page).

Reading needs alliance.view: the board and the poster somewhere (403 otherwise, like the star
board), an alliance within its scope (404 otherwise). Every figure comes from
alliances.services.showcase in a constant number of queries.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from alliances import stars as rules
from alliances.exporters import POSTER_KIND, filing_org, poster_params
from alliances.filters import visible_owners
from alliances.forms.showcase import QuarterForm, ShowcaseBoardForm
from alliances.models import Alliance
from alliances.services import showcase as services
from portal.scope import has_capability
from portal.views.generic import StartExportView

VIEW = "alliance.view"
DENIED = "您没有查看党建联盟的权限。"


def _cleaned(form):
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


def _quarter(form):
    """(year, quarter, is the running quarter) chosen on the form, the running one by default;
    an unbound form shows the quarter it stands for."""
    cleaned = _cleaned(form)
    this_year, this_quarter = rules.quarter_of(timezone.localdate())
    year = cleaned.get("year") or this_year
    quarter = cleaned.get("quarter") or this_quarter
    if not form.is_bound:
        form.initial.update(year=year, quarter=quarter)
    return year, quarter, (year, quarter) == (this_year, this_quarter)


def _board(request):
    """The board's context: the chosen township's alliances of the quarter as the user sees
    them (alliances.services.showcase.township_board, which the poster job reads too)."""
    user = request.user
    if not has_capability(user, VIEW):
        raise PermissionDenied(DENIED)
    owners = visible_owners(user)
    form = ShowcaseBoardForm(request.GET or None, owners=owners)
    year, quarter, is_current = _quarter(form)
    owner = _cleaned(form).get("township") or owners.first()
    return {
        **services.township_board(user, owner, year, quarter),
        "form": form, "is_current": is_current,
        "previous": rules.previous_quarter(year, quarter),
        "following": rules.next_quarter(year, quarter),
    }


@login_required
def showcase_board(request):
    """季度晾晒: one township's alliances compared for a quarter, by type and by level."""
    return render(request, "alliances/showcase/board.html", _board(request))


class ShowcasePosterView(StartExportView):
    """POST township, year, quarter: start the A3 poster job (alliances/exporters.py) and go to
    the job's progress page, where the PDF is downloaded. A township the user does not see, or
    a bad quarter, goes back to the board with the reason."""

    exporter = POSTER_KIND
    list_capability = VIEW
    denied_message = DENIED
    back_url = "alliances:showcase_board"

    def export_target(self, form):
        owner = form.cleaned_data["township"]
        return (filing_org(self.request.user, owner, VIEW),
                poster_params(owner, form.cleaned_data["year"], form.cleaned_data["quarter"]))


@login_required
def showcase_alliance(request, pk):
    """An alliance's 晾晒 for a quarter with its 定期分析 against the previous quarter."""
    alliance = get_object_or_404(Alliance.objects.visible_to(request.user)
                                 .select_related("type", "owner"), pk=pk)
    form = QuarterForm(request.GET or None)
    year, quarter, is_current = _quarter(form)
    analysis = services.analyse(alliance, year, quarter)
    previous = rules.previous_quarter(year, quarter)
    return render(request, "alliances/showcase/alliance.html", {
        "alliance": alliance, "form": form, "year": year, "quarter": quarter,
        "label": services.quarter_label(year, quarter), "is_current": is_current,
        "previous": previous, "previous_label": services.quarter_label(*previous),
        "following": rules.next_quarter(year, quarter),
        "analysis": analysis, "figures": analysis.figures,
    })
