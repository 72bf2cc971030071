"""季度晾晒 pages: an alliance's figures and 定期分析 for a quarter, a township's board comparing
its alliances by type and by level (分层分类比拼), and the board as an A3 PDF poster.

Reading needs alliance.view: the board and the poster somewhere (403 otherwise, like the star
board), an alliance within its scope (404 otherwise). Every figure comes from
alliances.services.showcase in a constant number of queries.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from alliances import stars as rules
from alliances.filters import visible_owners
from alliances.forms.showcase import QuarterForm, ShowcaseBoardForm
from alliances.models import Alliance
from alliances.services import showcase as services
from portal import audit
from portal.scope import has_capability

VIEW = "alliance.view"


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
    """The board's context: the chosen township's alliances of the quarter (those founded by
    its end and not closed before it), their figures, grouped and ranked."""
    user = request.user
    if not has_capability(user, VIEW):
        raise PermissionDenied("您没有查看党建联盟的权限。")
    owners = visible_owners(user)
    form = ShowcaseBoardForm(request.GET or None, owners=owners)
    year, quarter, is_current = _quarter(form)
    owner = _cleaned(form).get("township") or owners.first()
    figures = []
    if owner is not None:
        start, end = services.quarter_bounds(year, quarter)
        alliances = (Alliance.objects.visible_to(user).filter(owner=owner, founded__lt=end)
                     .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
                     .select_related("type").order_by("type__order", "type_id", "kind", "name"))
        figures = list(services.quarter_figures(alliances, year, quarter).values())
    by_type, by_level = services.board_groups(figures)
    return {
        "form": form, "owner": owner, "year": year, "quarter": quarter,
        "label": services.quarter_label(year, quarter), "is_current": is_current,
        "previous": rules.previous_quarter(year, quarter),
        "following": rules.next_quarter(year, quarter),
        "by_type": by_type, "by_level": by_level, "totals": services.board_totals(figures),
        "rank_rule": services.RANK_RULE,
    }


@login_required
def showcase_board(request):
    """季度晾晒: one township's alliances compared for a quarter, by type and by level."""
    return render(request, "alliances/showcase/board.html", _board(request))


@login_required
def showcase_poster(request):
    """The board as an A3 landscape PDF poster (Chinese text, the font embedded)."""
    context = _board(request)
    owner = context["owner"]
    title = f"{owner.name if owner else ''}党建联盟{context['label']}晾晒"
    content = services.showcase_pdf({**context, "title": title,
                                     "generated_at": timezone.localtime()})
    audit.record(audit.AuditAction.EXPORT, f"导出季度晾晒海报：{title}", actor=request.user,
                 owner=owner.pk if owner else None, year=context["year"],
                 quarter=context["quarter"])
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{title}.pdf")
    return response


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
