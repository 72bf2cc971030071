"""人才评价 for village secretaries (assessment.evaluate, 004 四.三.5): the city talents who served
the village in a quarter, each with a one-tap rating — built for a phone.

The talents come from one set-based query (an EXISTS on their participations in the village's
counted activities of the quarter); the rule that only they may be rated lives in
assessment.services.entries.rate_talent.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessment.forms.people import (
    EvaluationPeriodForm,
    RatingForm,
    current_quarter,
    villages_to_rate,
)
from assessment.models import TalentEvaluation
from assessment.periods import quarter_range
from assessment.services.entries import rate_talent
from ledger.compliance import COUNTED_STATUSES as COUNTED
from ledger.models import Participation
from portal.models import Person
from portal.models.orgs import CITY_KINDS
from portal.scope import has_capability
from portal.transient import retrying
from portal.views.common import error_text, paginate, query_without_page

EVALUATE = "assessment.evaluate"
DENIED = "只有村党组织可以评价服务本村的城市人才。"
RATINGS = [(value, label) for value, label in TalentEvaluation.Rating.choices]


def _require_evaluate(user):
    if not has_capability(user, EVALUATE):
        raise PermissionDenied(DENIED)


def served_talents(village, year, quarter):
    """City talents with a counted activity of the village in the quarter, with the village's
    rating of them for it (None: not rated yet)."""
    first, after = quarter_range(year, quarter)
    served = Participation.objects.filter(
        person=OuterRef("pk"), activity__org=village, activity__status__in=COUNTED,
        activity__date__gte=first, activity__date__lt=after)
    rated = TalentEvaluation.objects.filter(village=village, person=OuterRef("pk"), year=year,
                                            quarter=quarter)
    return (Person.objects.filter(Exists(served), home_org__kind__in=CITY_KINDS)
            .annotate(rating=Subquery(rated.values("rating")[:1]),
                      comment=Subquery(rated.values("comment")[:1]))
            .select_related("home_org").order_by("home_org__path", "name", "id"))


def _period(request, villages):
    form = EvaluationPeriodForm(request.GET or None, villages=villages_to_rate(request.user),
                                several=len(villages) > 1)
    year, quarter = current_quarter()
    data = form.cleaned_data if form.is_valid() else {}
    village = data.get("village") or villages[0]
    return form, village, data.get("year") or year, data.get("quarter") or quarter


@login_required
def evaluation_list(request):
    user = request.user
    _require_evaluate(user)
    villages = list(villages_to_rate(user))
    if not villages:
        return render(request, "assessment/people/evaluations.html", {"village": None})
    form, village, year, quarter = _period(request, villages)
    page = paginate(request, served_talents(village, year, quarter))
    return render(request, "assessment/people/evaluations.html", {
        "form": form, "village": village, "year": year, "quarter": quarter, "page": page,
        "ratings": RATINGS, "query_string": query_without_page(request),
        "many_villages": len(villages) > 1,
    })


@login_required
@require_POST
def evaluation_rate(request):
    """One tap: save the village's rating of a talent; an htmx request gets the row back."""
    user = request.user
    _require_evaluate(user)
    form = RatingForm(request.POST, villages=villages_to_rate(user))
    back = reverse("assessment:evaluation_list")
    if not form.is_valid():
        messages.error(request, "未能保存评价：" + error_text(form))
        return redirect(back)
    data = form.cleaned_data
    village, person = data["village"], data["person"]
    back += f"?village={village.pk}&year={data['year']}&quarter={data['quarter']}"
    try:
        evaluation = retrying(rate_talent, village, person, actor=user, year=data["year"],
                              quarter=data["quarter"], rating=data["rating"],
                              comment=data["comment"])
    except ValidationError as exc:
        messages.error(request, "未能保存评价：" + error_text(exc))
        return redirect(back)
    if request.htmx:
        person.rating, person.comment = evaluation.rating, evaluation.comment
        return render(request, "assessment/people/_evaluation_row.html", {
            "talent": person, "village": village, "year": data["year"],
            "quarter": data["quarter"], "ratings": RATINGS, "saved": True})
    messages.success(request, f"已评价 {person.name}：{evaluation.get_rating_display()}。")
    return redirect(back + f"#talent-{person.pk}")
