"""Appeals, entries, village ratings, enrolment: who may, when, and what changes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.models import (
    AppealStatus,
    Enrolment,
    EnrolmentStatus,
    Indicator,
    QuarterScore,
    RunStatus,
    TalentEvaluation,
)
from assessment.services.appeals import accept_appeal, file_appeal, reject_appeal
from assessment.services.enrolment import enrol_unit, exempt, not_enrolled, replace
from assessment.services.entries import rate_talent, record_entry
from assessment.services.scoring import score_quarter
from tests.assessment.conftest import YEAR, make_activity

pytestmark = pytest.mark.django_db


def my_score(published, person):
    return QuarterScore.objects.get(run=published.run, person=person)


# --- appeals ---------------------------------------------------------------------------------

def test_person_appeals_within_the_window_once(published, talent_person, talent):
    score = my_score(published, talent_person)
    appeal = file_appeal(score, actor=talent, reason="2月活动漏记")
    assert appeal.status == AppealStatus.OPEN
    with pytest.raises(ValidationError):
        file_appeal(score, actor=talent, reason="再次申诉")


def test_nobody_else_appeals_and_not_after_the_window(published, talent_person, talent,
                                                      unit_contact):
    score = my_score(published, talent_person)
    with pytest.raises(PermissionDenied):
        file_appeal(score, actor=unit_contact, reason="代为申诉")
    late = published.run.published_at + datetime.timedelta(days=8)
    with pytest.raises(ValidationError) as error:
        file_appeal(score, actor=talent, reason="晚了", now=late)
    assert error.value.code == "window"


def test_draft_quarter_cannot_be_appealed(assessed, talent_person, talent):
    with pytest.raises(ValidationError):
        file_appeal(my_score(assessed, talent_person), actor=talent, reason="草稿")


def test_accepting_rescores_the_quarter_as_a_draft(published, tree, talent_person, talent):
    appeal = file_appeal(my_score(published, talent_person), actor=talent, reason="3月漏记")
    make_activity(tree.village_a1, datetime.date(YEAR, 3, 20), [talent_person])  # the fix
    accept_appeal(appeal, actor=published.assessor, decision="经核实补录3月活动")
    published.run.refresh_from_db()
    assert published.run.status == RunStatus.DRAFT
    assert my_score(published, talent_person).total == Decimal("30.00")


def test_only_the_assessing_body_decides_and_needs_a_reason(published, talent_person, talent,
                                                            county_admin):
    appeal = file_appeal(my_score(published, talent_person), actor=talent, reason="漏记")
    with pytest.raises(PermissionDenied):
        reject_appeal(appeal, actor=county_admin, decision="无")
    with pytest.raises(ValidationError):
        reject_appeal(appeal, actor=published.assessor, decision="")
    appeal = reject_appeal(appeal, actor=published.assessor, decision="经核实无误")
    assert appeal.status == AppealStatus.REJECTED
    with pytest.raises(ValidationError):
        accept_appeal(appeal, actor=published.assessor, decision="改判")


# --- entries ---------------------------------------------------------------------------------

def indicator(assessed, code):
    return Indicator.objects.get(scheme=assessed.scheme, code=code)


def test_deduction_needs_reason_and_evidence_and_lowers_the_total(assessed, people):
    deduction = indicator(assessed, "deduction")
    with pytest.raises(ValidationError) as error:
        record_entry(deduction, people.unit, actor=assessed.assessor, quarter=1, points=5)
    assert {"reason", "evidence"} & set(error.value.message_dict)
    proof = SimpleUploadedFile("通报.pdf", b"%PDF-1.4", content_type="application/pdf")
    record_entry(deduction, people.unit, actor=assessed.assessor, quarter=1, points=5,
                 reason="无故缺席调度会", evidence=proof)
    score_quarter(assessed.scheme, 1)
    assert my_score(assessed, people.unit).total == Decimal("15.00")


def test_points_above_the_maximum_and_other_bodies_are_refused(assessed, people, county_admin):
    deduction = indicator(assessed, "deduction")
    with pytest.raises(ValidationError):
        record_entry(deduction, people.unit, actor=assessed.assessor, quarter=1, points=11,
                     reason="超过上限", evidence=SimpleUploadedFile("a.pdf", b"%PDF"))
    with pytest.raises(PermissionDenied):
        record_entry(deduction, people.unit, actor=county_admin, quarter=1, points=1,
                     reason="组织部", evidence=SimpleUploadedFile("a.pdf", b"%PDF"))


def test_published_quarter_takes_no_entries(published, people):
    with pytest.raises(ValidationError) as error:
        record_entry(indicator(published, "deduction"), people.unit, actor=published.assessor,
                     quarter=1, points=1, reason="晚了",
                     evidence=SimpleUploadedFile("a.pdf", b"%PDF"))
    assert error.value.code == "state"


def test_veto_marks_the_quarter(assessed, people):
    veto = Indicator.objects.create(scheme=assessed.scheme, code="veto", name="一票否决",
                                    kind="veto", period="quarter", max_points=0)
    record_entry(veto, people.unit, actor=assessed.assessor, quarter=1, reason="违纪",
                 evidence=SimpleUploadedFile("处分决定.pdf", b"%PDF"))
    score_quarter(assessed.scheme, 1)
    assert my_score(assessed, people.unit).vetoed


# --- village ratings -------------------------------------------------------------------------

def test_village_rates_only_talents_who_served_it(assessed, people, village_secretary,
                                                  other_village_secretary, tree):
    rate_talent(tree.village_a1, people.unit, actor=village_secretary, year=YEAR, quarter=1,
                rating=5)
    with pytest.raises(ValidationError):
        rate_talent(tree.village_a1, assessed.cadres["c3"], actor=village_secretary,
                    year=YEAR, quarter=1, rating=5)
    with pytest.raises(PermissionDenied):
        rate_talent(tree.village_a1, people.unit, actor=other_village_secretary, year=YEAR,
                    quarter=1, rating=1)
    score_quarter(assessed.scheme, 1)
    assert my_score(assessed, people.unit).total == Decimal("40.00")  # 20 + 5 × 4
    assert TalentEvaluation.objects.count() == 1


# --- enrolment -------------------------------------------------------------------------------

def test_bulk_enrolment_takes_the_units_cadres_once(assessed, tree, county_admin):
    Enrolment.objects.all().delete()
    first = enrol_unit(tree.unit, assessed.action, YEAR, actor=county_admin,
                       start_date=datetime.date(YEAR, 1, 1))
    assert first == 4  # the three cadres and 陈农业, a city talent (县直单位党员干部 too)
    assert enrol_unit(tree.unit, assessed.action, YEAR, actor=county_admin,
                      start_date=datetime.date(YEAR, 1, 1)) == 0
    assert set(not_enrolled(tree.unit, YEAR, universal_only=True)) == set()


def test_replacement_splits_the_months(assessed, tree, county_admin, people):
    enrolment = Enrolment.objects.get(person=assessed.cadres["c1"])
    Enrolment.objects.filter(person=assessed.cadres["c3"]).delete()
    successor = replace(enrolment, assessed.cadres["c3"], actor=county_admin,
                        reason="工作调动", on=datetime.date(YEAR, 2, 1))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REPLACED
    assert enrolment.end_date == datetime.date(YEAR, 1, 31)
    run = score_quarter(assessed.scheme, 1)
    months = dict(run.scores.values_list("person__name", "active_months"))
    assert months["周一"] == 1 and months["郑三"] == 2
    assert successor.start_date == datetime.date(YEAR, 2, 1)


def test_exemption_needs_a_reason(assessed, county_admin):
    enrolment = Enrolment.objects.get(person=assessed.cadres["c1"])
    with pytest.raises(ValidationError):
        exempt(enrolment, actor=county_admin, reason="")
    assert exempt(enrolment, actor=county_admin, reason="援藏").status == EnrolmentStatus.EXEMPT

