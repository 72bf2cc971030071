"""结果运用: the grade on record, nominations (优秀 only for 表现特别突出, 差 refused without an
exception), 组织部's approval and exceptions, the person-page section, the 干部科 export."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import (
    Action,
    EligibilityOverride,
    Nomination,
    NominationStatus,
)
from assessment.services import consequences
from assessment.services.consequences import (
    confirm_nomination,
    nominate,
    override_eligibility,
    reject_nomination,
)
from portal.models.jobs import JobStatus
from tests.assessment.results_world import file_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(assessed, county_admin):
    return file_year(assessed, county_admin)


def test_the_filed_year_has_one_excellent_and_the_tied_poor(filed):
    grades = {name: g.grade for name, g in filed.grades.items()}
    assert grades == {"陈农业": "excellent", "周一": "good", "吴二": "poor", "郑三": "poor"}


def test_outstanding_needs_excellent_and_comes_from_the_assessing_body(filed, people,
                                                                       county_admin):
    nomination = nominate("outstanding", people.unit, year=2025, reason="服务群众成效突出",
                          actor=filed.assessor, body=filed.body)
    assert nomination.body == filed.body
    with pytest.raises(ValidationError) as error:
        nominate("outstanding", filed.cadres["c1"], year=2025, reason="良好而已",
                 actor=filed.assessor, body=filed.body)
    assert error.value.code == "not_excellent"
    with pytest.raises(ValidationError) as error:
        nominate("outstanding", people.unit, year=2025, reason="重复", actor=filed.assessor,
                 body=filed.body)
    assert error.value.code == "duplicate"
    with pytest.raises(PermissionDenied):
        nominate("excellent_member", people.unit, year=2025, reason="越权",
                 actor=filed.assessor, body=people.unit.home_org)


def test_poor_nominee_is_refused_unless_overridden_with_a_reason(filed, county_admin):
    poor = filed.cadres["c2"]
    with pytest.raises(ValidationError) as error:
        nominate("excellent_member", poor, year=2025, reason="抗洪表现", actor=county_admin)
    assert error.value.code == "poor"
    nomination = nominate("excellent_member", poor, year=2025, reason="抗洪表现",
                          actor=county_admin, poor_override="抗洪抢险中表现突出，经研究同意推荐")
    assert nomination.poor_override.startswith("抗洪")


def test_an_eligibility_exception_lifts_the_refusal(filed, county_admin, leader):
    grade = filed.grades["吴二"]
    with pytest.raises(PermissionDenied):
        override_eligibility(grade, actor=leader, reason="无")
    override_eligibility(grade, actor=county_admin, reason="病休期间按规定不参加")
    with pytest.raises(ValidationError):
        override_eligibility(grade, actor=county_admin, reason="再次")
    nominate("excellent_member", filed.cadres["c2"], year=2025, reason="事迹", actor=county_admin)
    with pytest.raises(ValidationError):  # a good grade has nothing to except
        override_eligibility(filed.grades["周一"], actor=county_admin, reason="无")


def test_only_the_organization_department_decides(filed, people, county_admin):
    nomination = nominate("outstanding", people.unit, year=2025, reason="事迹",
                          actor=filed.assessor, body=filed.body)
    with pytest.raises(PermissionDenied):
        confirm_nomination(nomination, actor=filed.assessor)
    with pytest.raises(ValidationError):
        reject_nomination(nomination, actor=county_admin, decision="")
    assert confirm_nomination(nomination, actor=county_admin).status == NominationStatus.CONFIRMED


def test_two_actions_one_grade_on_record(filed, people, settings):
    from assessment.models import AnnualGrade, Grading

    other_action = Action.objects.create(code="city", name="城市社区行动", order=5,
                                         assessing_body=filed.body)
    Action.objects.filter(pk=filed.action.pk).update(order=1)
    scheme2 = filed.scheme
    scheme2.pk = None
    scheme2._state.adding = True
    scheme2.action = other_action
    scheme2.name = "城市社区行动考核"
    scheme2.save()
    grading2 = Grading.objects.create(scheme=scheme2, status="filed")
    AnnualGrade.objects.create(grading=grading2, person=people.unit, total=1, rank=4,
                               grade="poor", computed_grade="poor", poor_reason="quota")
    grades = consequences.person_grades(people.unit)
    chosen, others = consequences.record_grades(grades)[2025]
    assert (chosen.grade, [o.grade for o in others]) == ("excellent", ["poor"])
    settings.ASSESSMENT_RECORD_GRADE = "lowest"
    chosen, others = consequences.record_grades(grades)[2025]
    assert chosen.grade == "poor"


def test_person_page_shows_the_grade_and_the_flag(filed, login, county_admin, talent_person,
                                                  unit_contact):
    page = login(county_admin).get(reverse("portal:person_detail", args=[filed.cadres["c2"].pk]))
    text = page.content.decode()
    assert "考核等次与结果运用" in text and "不得作为提拔重用和评先评优对象" in text
    # The unit's contact sees the person page (person.view) but not assessment results.
    contact = login(unit_contact).get(reverse("portal:person_detail", args=[talent_person.pk]))
    assert "考核等次与结果运用" not in contact.content.decode()


def test_results_page_lists_the_poor_and_takes_exceptions(filed, login, county_admin,
                                                          django_assert_max_num_queries):
    client = login(county_admin)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("assessment:results"), {"year": 2025})
    text = page.content.decode()
    assert "吴二" in text and "郑三" in text and "周一" not in text
    response = client.post(reverse("assessment:grade_override", args=[filed.grades["郑三"].pk]),
                           {"reason": "援藏干部"})
    assert response.status_code == 302
    assert EligibilityOverride.objects.filter(grade=filed.grades["郑三"]).exists()


def test_nominate_page_for_the_assessor(filed, login, people):
    client = login(filed.assessor)
    url = reverse("assessment:grade_nominate", args=[filed.grades["陈农业"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "outstanding", "reason": "带动村集体增收"})
    assert response.status_code == 302
    assert Nomination.objects.get().body == filed.body
    refused = client.post(reverse("assessment:grade_nominate", args=[filed.grades["周一"].pk]),
                          {"kind": "outstanding", "reason": "良好"})
    assert "优秀" in refused.content.decode() and Nomination.objects.count() == 1


def test_results_export_for_the_cadre_department(filed, login, county_admin, people,
                                                 django_capture_on_commit_callbacks):
    nomination = nominate("outstanding", people.unit, year=2025, reason="=HYPERLINK(\"x\")",
                          actor=filed.assessor, body=filed.body)
    confirm_nomination(nomination, actor=county_admin)
    client = login(county_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:results_export"), {"year": 2025})
    assert response.status_code == 302
    from portal.models import Job

    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED, job.error
    book = load_workbook(io.BytesIO(job.output.file.read()))
    assert book.sheetnames == ["表现特别突出", "评先评优", "“差”等次名单"]
    outstanding = [[c.value for c in row] for row in book["表现特别突出"].iter_rows()]
    assert outstanding[0][0].startswith("考核结果运用名单·表现特别突出　范围：")
    assert outstanding[2][1] == "陈农业" and outstanding[2][3].startswith("'=")
    poor = sorted(r[0].value for r in book["“差”等次名单"].iter_rows(min_row=3))
    assert poor == ["吴二", "郑三"]
