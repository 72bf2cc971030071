"""Navigation items and home-page panels of assessment: the people assessed (我的考核), appeals,
enrolment and the villages' ratings of talents, in the 考核评价 group."""

from django.db.models import Prefetch

from assessment.explain import what_counts
from assessment.models import Indicator, QuarterScore, RunStatus
from assessment.views.people import person_of, schemes_counting
from portal.dashboard import NavItem, Panel, register_nav, register_panel
from portal.scope import TALENT

GROUP = "考核评价"
# A talent holds no assessment capability: 我的考核 is for the city side's people, who hold
# need.claim (talents and unit contacts); the page itself reads only the user's own person.
register_nav(NavItem("我的考核", "assessment:my_assessment", "bi-clipboard-data", "need.claim",
                     60, GROUP))
register_nav(NavItem("申诉处理", "assessment:appeal_list", "bi-chat-square-quote",
                     "assessment.view", 66, GROUP))
register_nav(NavItem("行动报名", "assessment:enrolment_units", "bi-person-lines-fill",
                     "assessment.enrol", 67, GROUP))
register_nav(NavItem("人才评价", "assessment:evaluation_list", "bi-star-half",
                     "assessment.evaluate", 68, GROUP))


def _talent_panel(request):
    """城市人才: my latest published quarter (score, rank) and what counts in its table."""
    score = (QuarterScore.objects
             .filter(person__user=request.user, run__status=RunStatus.PUBLISHED)
             .select_related("run__scheme")
             .prefetch_related(Prefetch("run__scheme__indicators",
                                        queryset=Indicator.objects.order_by("order", "id")))
             .order_by("-run__scheme__year", "-run__quarter", "run__scheme_id").first())
    if score is not None:
        scheme = score.run.scheme
        return {"score": score, "scheme": scheme, "counts": what_counts(scheme.indicators.all())}
    person = person_of(request.user)
    schemes = schemes_counting(person) if person is not None else []
    scheme = schemes[0] if schemes else None
    return {"score": None, "person": person, "scheme": scheme,
            "counts": what_counts(scheme.indicators.all()) if scheme else []}


register_panel(Panel("assessment_talent", "我的考核", "assessment/people/panel_talent.html",
                     frozenset({TALENT}), _talent_panel, order=12))
