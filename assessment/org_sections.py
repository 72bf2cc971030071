"""考核评价's section of the organization page (imported from AssessmentConfig.ready): the
organization's published quarter scores and its annual grades on record.

Readable scores and grades come from `scores_for` / `grades_for` (the assessment pages' own
scope); None when there are none and the viewer holds no `assessment.view` on the org. Two
queries whatever the number of schemes and quarters.
"""

from django.urls import reverse

from assessment.models import RunStatus
from assessment.views.people import SHOWN_GRADES, VIEW, grades_for, scores_for
from portal.dashboard import DetailSection, register_section
from portal.scope import has_capability

ROWS = 4


def assessment_section(request, org):
    user = request.user
    scores = list(scores_for(user).filter(org=org, run__status=RunStatus.PUBLISHED)
                  .select_related("run__scheme")
                  .order_by("-run__scheme__year", "-run__quarter", "run__scheme_id")[:ROWS])
    grades = list(grades_for(user).filter(org=org, grading__status__in=SHOWN_GRADES)
                  .select_related("grading__scheme")
                  .order_by("-grading__scheme__year", "grading__scheme_id")[:ROWS])
    can_view = has_capability(user, VIEW, org)
    if not scores and not grades and not can_view:
        return None
    return {
        "scores": scores, "grades": grades,
        "links": [("考核排名", reverse("assessment:rankings"))] if can_view else [],
    }


register_section(DetailSection("assessment", "org", "assessment/org_sections/scores.html",
                               assessment_section, order=70))
