"""Joint meeting pages: who may record, scope of the minutes, the missing-meetings list,
its Excel export and bounded queries."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pairing.models import JointMeeting, Pairing
from pairing.services import meetings
from tests.factories import PersonFactory, UserFactory, add_org, grant

MARCH = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path


def post_data(day=MARCH, **extra):
    return {"date": day.isoformat(), "place": "村部会议室", "attendees": "双方代表",
            "topics": "共建项目", "decisions": "", **extra}


@pytest.fixture
def other_unit_contact(tree):
    unit = add_org(tree.county, "县教育局", "unit", code="U0002")
    Pairing.objects.create(city_org=unit, village_org=tree.village_a1,
                           since=datetime.date(2026, 1, 1))
    user = UserFactory(username="other_unit_contact")
    grant(user, unit, "unit_contact")
    return user


def test_unit_contact_records_a_meeting_for_the_paired_village(login, pairing, unit_contact,
                                                                people):
    client = login(unit_contact)
    url = reverse("pairing:meeting_list", args=[pairing.pk])
    page = client.get(url)
    assert page.status_code == 200 and "登记联席会议" in page.content.decode()
    response = client.post(url, post_data(unit_chair=people.unit.pk,
                                          village_chair=people.a1.pk))
    meeting = JointMeeting.objects.get(pairing=pairing)
    assert response.status_code == 302
    assert response["Location"] == reverse("pairing:meeting_detail", args=[meeting.pk])
    assert (meeting.year, meeting.half, meeting.unit_chair) == (2026, 1, people.unit)


def test_another_units_contact_gets_404_even_on_a_shared_village(login, pairing,
                                                                  other_unit_contact):
    client = login(other_unit_contact)
    url = reverse("pairing:meeting_list", args=[pairing.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, post_data()).status_code == 404
    assert not JointMeeting.objects.exists()


def test_chair_choices_are_narrowed_to_each_side(login, pairing, people, village_secretary):
    client = login(village_secretary)
    url = reverse("pairing:meeting_list", args=[pairing.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["unit_chair"].queryset) == [people.unit]
    assert list(form.fields["village_chair"].queryset) == [people.a1]
    response = client.post(url, post_data(unit_chair=people.b1.pk))
    assert response.status_code == 200
    assert "unit_chair" in response.context["form"].errors
    assert not JointMeeting.objects.exists()


def test_duplicate_half_year_shows_the_message(login, pairing, village_secretary):
    meetings.do_record_meeting(pairing, actor=village_secretary, date=MARCH, place="村部",
                               attendees="代表", topics="议题")
    response = login(village_secretary).post(
        reverse("pairing:meeting_list", args=[pairing.pk]),
        post_data(datetime.date(2026, 4, 1)))
    assert response.status_code == 200
    assert "2026年上半年已登记联席会议" in response.content.decode()


def test_renamed_executable_refused_as_minutes(login, pairing, village_secretary):
    upload = SimpleUploadedFile("纪要.pdf", b"MZ" + b"\x00" * 200,
                                content_type="application/pdf")
    response = login(village_secretary).post(
        reverse("pairing:meeting_list", args=[pairing.pk]), {**post_data(), "minutes": upload})
    assert response.status_code == 200
    assert "minutes" in response.context["form"].errors
    assert not JointMeeting.objects.exists()


def test_township_admin_and_talent_cannot_record(login, pairing, township_admin, talent):
    url = reverse("pairing:meeting_list", args=[pairing.pk])
    client = login(township_admin)
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(url, post_data()).status_code == 403
    assert login(talent).get(url).status_code == 403
    assert not JointMeeting.objects.exists()


def test_minutes_download_is_scope_checked(login, pairing, village_secretary,
                                           other_village_secretary, leader):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    meeting = meetings.do_record_meeting(
        pairing, actor=village_secretary, date=MARCH, place="村部", attendees="代表",
        topics="议题", minutes=SimpleUploadedFile("m.pdf", pdf))
    url = reverse("pairing:meeting_minutes", args=[meeting.pk])
    response = login(leader).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf
    assert "attachment" in response["Content-Disposition"]
    assert login(other_village_secretary).get(url).status_code == 404
    bare = meetings.do_record_meeting(pairing, actor=village_secretary,
                                      date=datetime.date(2026, 9, 1), place="村部",
                                      attendees="代表", topics="议题")
    assert login(leader).get(
        reverse("pairing:meeting_minutes", args=[bare.pk])).status_code == 404


def test_edit_meeting(login, pairing, unit_contact, village_secretary):
    meeting = meetings.do_record_meeting(pairing, actor=village_secretary, date=MARCH,
                                         place="村部", attendees="代表", topics="议题")
    url = reverse("pairing:meeting_edit", args=[meeting.pk])
    response = login(unit_contact).post(url, post_data(decisions="启动道路硬化"))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.decisions == "启动道路硬化"


def _pairings(tree, count):
    """`count` extra active pairings spread over 青山镇's and 白水乡's villages."""
    villages = [tree.village_a1, tree.village_a2, tree.village_b1, tree.village_b2]
    made = []
    for index in range(count):
        unit = add_org(tree.county, f"单位{index}", "unit")
        honorary = PersonFactory(home_org=unit)
        made.append(Pairing.objects.create(city_org=unit, village_org=villages[index % 4],
                                           since=datetime.date(2026, 1, 1),
                                           honorary_head=honorary, liaison=honorary))
    return made


def _missing_url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("pairing:meetings_missing") + (f"?{query}" if query else "")


def test_missing_list_leaves_out_pairings_that_met(login, tree, pairing, county_admin,
                                                   village_secretary):
    others = _pairings(tree, 4)
    meetings.do_record_meeting(pairing, actor=village_secretary, date=MARCH, place="村部",
                               attendees="代表", topics="议题")
    client = login(county_admin)
    first_half = client.get(_missing_url(year=2026, half=1)).context["page"]
    assert {p.pk for p in first_half} == {p.pk for p in others}
    second_half = client.get(_missing_url(year=2026, half=2)).context["page"]
    assert pairing.pk in {p.pk for p in second_half}
    town = client.get(_missing_url(year=2026, half=1, township=tree.town_b.pk)).context["page"]
    assert {p.village_org.name for p in town} == {"白水村", "柳林村"}
    assert all(p.township_name == "白水乡" for p in town)


def test_missing_list_defaults_to_the_current_half_and_survives_bad_input(login, tree,
                                                                          county_admin):
    _pairings(tree, 2)
    client = login(county_admin)
    response = client.get(_missing_url(year="abc", half=7, township="x", page="zz"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    from django.utils import timezone

    today = timezone.localdate()
    expected = f"{today.year}年{'上半年' if today.month <= 6 else '下半年'}"
    assert response.context["period"] == expected


def test_township_admin_sees_only_its_townships_pairings(login, tree, township_admin,
                                                         talent, outsider):
    _pairings(tree, 4)
    page = login(township_admin).get(_missing_url(year=2026, half=1)).context["page"]
    assert {p.village_org.name for p in page} == {"青山村", "石桥村"}
    assert login(talent).get(_missing_url()).status_code == 403
    assert login(outsider).get(_missing_url()).status_code == 403


def test_missing_export_opens_and_escapes(login, tree, county_admin):
    made = _pairings(tree, 2)
    unit = made[0].city_org
    unit.name = "=HYPERLINK(\"http://x\")"
    unit.save()
    response = login(county_admin).get(
        reverse("pairing:meetings_missing_export") + "?year=2026&half=1")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet.title == "2026年上半年未召开联席会议"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("未召开联席会议的结对　范围：")
    assert "2026年上半年　生成于 " in rows[0][0]
    rows = rows[1:]
    assert rows[0] == ("序号", "乡镇", "结对村", "结对单位", "名誉村长", "联络员", "结对日期")
    assert len(rows) == 3
    assert rows[1][3] == "'=HYPERLINK(\"http://x\")"
    assert rows[1][1] == "青山镇" and rows[1][2] == "青山村"
    assert rows[1][6].date() == datetime.date(2026, 1, 1)
    assert sheet.freeze_panes == "A3"


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_missing_list_query_count_does_not_grow(login, tree, county_admin):
    client = login(county_admin)
    _pairings(tree, 2)
    client.get(_missing_url(year=2026, half=1))  # warm the session and role caches
    small, response = _count_queries(client, _missing_url(year=2026, half=1))
    assert response.context["page"].paginator.count == 2
    _pairings(tree, 18)
    large, response = _count_queries(client, _missing_url(year=2026, half=1))
    assert response.context["page"].paginator.count == 20
    assert small == large


def test_missing_list_narrows_to_the_scope_once(login, tree, township_admin):
    """The meetings' scope alone (every role holding meeting.view holds pairing.view on the
    same organizations): both applied, PostgreSQL matched one scope's pairing ids against the
    other's row by row (a city township's 500 × 500)."""
    _pairings(tree, 4)
    client = login(township_admin)
    client.get(_missing_url(year=2026, half=1))  # warm the session and role caches
    with CaptureQueriesContext(connection) as queries:
        page = client.get(_missing_url(year=2026, half=1)).context["page"]
    assert {p.village_org.name for p in page} == {"青山村", "石桥村"}
    listed = [q["sql"] for q in queries if q["sql"].startswith('SELECT "pairing_pairing"."id"')]
    assert len(listed) == 1
    assert listed[0].count('"pairing_pairing"."id" IN (') == 1, listed[0]
