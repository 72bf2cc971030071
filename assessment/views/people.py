"""The pages of the people assessed: 我的考核, a quarter score explained down to its rows, and an
annual grade with its quarters and annual items.

A person sees their own published scores and submitted or filed grades through their account
(`Person.user`) — a talent holds no assessment capability; assessment.view holders see those
in their scope, drafts included. Anything else is not found (404).
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from assessment.explain import explain, what_counts
from assessment.forms.people import AppealForm
from assessment.models import (
    AnnualGrade,
    Appeal,
    AppealStatus,
    Enrolment,
    GradingStatus,
    Indicator,
    IndicatorPeriod,
    PartYearRule,
    QuarterScore,
    RunStatus,
    Scheme,
    ScoreEntry,
    TargetKind,
)
from assessment.periods import month_count, scheme_range
from assessment.services.appeals import appeal_deadline, may_appeal
from portal.models import Person
from portal.scope import scope_q

VIEW = "assessment.view"
SHOWN_GRADES = (GradingStatus.SUBMITTED, GradingStatus.FILED)


def _scoped(user, model):
    return scope_q(user, VIEW, model.objects.all().scope_path_field)


def scores_for(user):
    """Quarter scores the user may read: their own (or their alliance's, for its leader) once
    published, and those in their scope."""
    own = ((Q(person__user=user) | Q(alliance__leader__user=user))
           & Q(run__status=RunStatus.PUBLISHED))
    return QuarterScore.objects.filter(own | _scoped(user, QuarterScore))


def grades_for(user):
    """Annual grades the user may read: their own (or their alliance's, for its leader) once
    submitted, and those in their scope."""
    own = ((Q(person__user=user) | Q(alliance__leader__user=user))
           & Q(grading__status__in=SHOWN_GRADES))
    return AnnualGrade.objects.filter(own | _scoped(user, AnnualGrade))


def person_of(user):
    return Person.objects.filter(user=user).select_related("home_org").first()


def schemes_counting(person):
    """The person schemes of the latest year the person is enrolled in, with indicators."""
    enrolled = Enrolment.objects.counted().filter(person=person, action=OuterRef("action"),
                                                  year=OuterRef("year"))
    schemes = list(Scheme.objects.filter(Exists(enrolled), target_kind=TargetKind.PERSON,
                                         superseded_by__isnull=True)
                   .select_related("action").order_by("-year", "id")
                   .prefetch_related(Prefetch("indicators",
                                              queryset=Indicator.objects.order_by("order", "id"))))
    latest = schemes[0].year if schemes else None
    return [s for s in schemes if s.year == latest]


@login_required
def my_assessment(request):
    """我的考核: my published quarters, my grades, and what counts in the scoring table."""
    person = person_of(request.user)
    context = {"person": person}
    if person is not None:
        context["scores"] = list(
            QuarterScore.objects.filter(person=person, run__status=RunStatus.PUBLISHED)
            .select_related("run__scheme__action")
            .order_by("-run__scheme__year", "-run__quarter", "run__scheme_id")[:40])
        context["grades"] = list(
            AnnualGrade.objects.filter(person=person, grading__status__in=SHOWN_GRADES)
            .select_related("grading__scheme__action").order_by("-grading__scheme__year", "id"))
        context["schemes"] = [(scheme, what_counts(scheme.indicators.all()))
                              for scheme in schemes_counting(person)]
    return render(request, "assessment/people/mine.html", context)


def appeal_state(score, user, appeals, now=None):
    """What the score page offers the person: the window and whether a form is shown."""
    run = score.run
    published = run.status == RunStatus.PUBLISHED
    deadline = appeal_deadline(run) if published else None
    now = now or timezone.now()
    pending = any(a.status == AppealStatus.OPEN for a in appeals)
    may = may_appeal(score, user)
    return {
        "may_appeal": may,
        "deadline": deadline,
        "window_open": deadline is not None and now <= deadline,
        "pending": pending,
        "can_file": may and deadline is not None and now <= deadline and not pending,
    }


@login_required
def score_detail(request, pk):
    """A quarter score: total, rank, each item with its rule, and the rows behind it."""
    user = request.user
    score = get_object_or_404(
        scores_for(user).select_related("run__scheme__action", "run__scheme__assessing_body",
                                        "person__home_org", "org", "alliance__leader"),
        pk=pk)
    items = list(score.items.select_related("indicator").order_by("indicator__order",
                                                                  "indicator_id"))
    appeals = list(Appeal.objects.filter(run=score.run, **score.target_lookup)
                   .order_by("-created_at", "-id"))
    state = appeal_state(score, user, appeals)
    return render(request, "assessment/people/score_detail.html", {
        "score": score, "run": score.run, "scheme": score.run.scheme,
        "explained": explain(items, user), "appeals": appeals,
        "appeal_form": AppealForm() if state["can_file"] else None, **state,
    })


@login_required
def grade_detail(request, pk):
    """An annual grade: the grade and why, the published quarters and the annual items."""
    grade = get_object_or_404(
        grades_for(request.user).select_related("grading__scheme__action", "person__home_org",
                                                "org", "alliance"), pk=pk)
    scheme = grade.grading.scheme
    target = grade.target_lookup
    quarters = list(QuarterScore.objects.filter(run__scheme=scheme,
                                                run__status=RunStatus.PUBLISHED, **target)
                    .select_related("run").order_by("run__quarter"))
    indicators = list(scheme.indicators.filter(period=IndicatorPeriod.YEAR)
                      .order_by("order", "id"))
    entries = {e.indicator_id: e for e in ScoreEntry.objects.filter(
        indicator__in=indicators, quarter__isnull=True, **target)}
    annual = [(indicator, entries.get(indicator.pk)) for indicator in indicators]
    scheme_months = month_count(*scheme_range(scheme))
    scaled = (scheme.part_year_rule == PartYearRule.PER_ACTIVE_MONTH
              and 0 < grade.active_months < scheme_months)
    return render(request, "assessment/people/grade_detail.html", {
        "grade": grade, "grading": grade.grading, "scheme": scheme, "quarters": quarters,
        "quarter_sum": sum(q.total for q in quarters), "annual": annual,
        "scheme_months": scheme_months, "scaled": scaled,
        "changed": grade.grade != grade.computed_grade,
    })
