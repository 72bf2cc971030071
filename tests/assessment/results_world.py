"""A filed grading of 2025 on top of the `assessed` world: all four quarters scored and
published, 优秀 capped at 25% (one of four), graded, submitted and filed. 陈农业 is 优秀;
吴二 and 郑三 (never served, tied at 0) are 差."""

from decimal import Decimal

from assessment.models import AnnualGrade
from assessment.services.grading import file_grading, grade_year, submit_grading
from assessment.services.scoring import publish_run, score_quarter
from tests.assessment.conftest import build_assessed


def file_year(world, county_admin):
    scheme = world.scheme
    scheme.excellent_max_ratio = Decimal("0.25")
    scheme.save()
    for quarter in scheme.quarters():
        publish_run(score_quarter(scheme, quarter), actor=world.assessor)
    world.grading = file_grading(submit_grading(grade_year(scheme), actor=world.assessor),
                                 actor=county_admin)
    world.grades = {g.person.name: g for g in AnnualGrade.objects.filter(
        grading=world.grading).select_related("person")}
    return world


def build_filed(tree, people, county_admin):
    return file_year(build_assessed(tree, people, county_admin=county_admin), county_admin)
