"""季度晾晒 and 定期分析: the figures of a quarter (what counts and what does not), the ranking
within groups (ties share a rank), the generated analysis against the previous quarter, the
pages for scope (404 / 403) and flat query counts, and the A3 poster: a background job started by
a POST (validated, scope-checked again in the job, flat queries), its file with the font
embedded, the text extractable and the A3 landscape page size."""

import datetime
import shutil

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.exporters import POSTER_KIND
from alliances.models import (
    Alliance,
    AllianceKind,
    AllianceType,
    Meeting,
    MeetingStatus,
    Membership,
    Project,
    ProjectStatus,
    ProjectUpdate,
    StarRating,
    StarSource,
)
from alliances.services import showcase as services
from ledger.models import Activity, ActivityTheme, Participation
from pairing.models import Claim, ClaimStatus, Need, NeedKind
from portal.exporting import get_exporter, start_export
from portal.jobs import execute_job
from portal.models import AuditEvent, Job
from portal.scope import forget_roles
from tests.alliances.conftest import FOUNDED
from tests.assessment.test_reports import pdf_text, pdf_tool
from tests.conftest import need_service
from tests.factories import UserFactory, bulk_people

pytestmark = pytest.mark.django_db

Q3, Q2 = (2026, 3), (2026, 2)
TODAY = datetime.date(2026, 11, 28)
PARAMS = {"year": 2026, "quarter": 3}
POSTER = {**PARAMS, "township": 0}  # the township is set by the tests that start a poster


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


def day(month, date):
    return datetime.date(2026, month, date)


def at(month, date):
    return timezone.make_aware(datetime.datetime(2026, month, date, 10))


def activity(org, date, alliance, status="confirmed", title="联盟活动"):
    return Activity.objects.create(org=org, date=date, alliance=alliance, status=status,
                                   theme=ActivityTheme.objects.first(), title=title,
                                   content="内容")


def wish(village, confirmed_at, kind=NeedKind.MICRO_WISH, status=ClaimStatus.CONFIRMED):
    need = Need.objects.create(village_org=village, kind=kind, title="微心愿", description="心愿",
                               deadline=day(12, 31))
    return Claim.objects.create(need=need, claimant=UserFactory(), status=status,
                                confirmed_at=confirmed_at)


def project(alliance, name, start, end, member=None, status=ProjectStatus.ONGOING, progress=0,
            updates=()):
    row = Project.objects.create(alliance=alliance, member=member, name=name, goal="目标",
                                 start_date=start, end_date=end, status=status,
                                 progress=progress)
    ProjectUpdate.objects.bulk_create(
        ProjectUpdate(project=row, year=year, quarter=quarter, progress=value, note="进展")
        for (year, quarter), value in updates)
    return row


def stars(alliance, year, quarter, value):
    return StarRating.objects.create(alliance=alliance, year=year, quarter=quarter, stars=value,
                                     source=StarSource.MANUAL, reason="评定")


@pytest.fixture
def quarter_world(alliances_world, tree):
    """青山镇's core alliance with activities, projects, wishes, meetings and stars in 2026 Q2
    and Q3 (see each test for what should count)."""
    w = alliances_world
    core = w.core
    Membership.objects.create(alliance=core, org=tree.village_b2, joined_on=FOUNDED,
                              left_on=day(8, 15))
    people = bulk_people(p1={"name": "甲", "home_org": tree.village_a1},
                         p2={"name": "乙", "home_org": tree.village_a2})
    first = activity(tree.village_a1, day(7, 5), core)
    Participation.objects.bulk_create([Participation(activity=first, person=people["p1"]),
                                       Participation(activity=first, person=people["p2"])])
    second = activity(tree.village_a1, day(8, 1), core, status="submitted")
    Participation.objects.create(activity=second, person=people["p1"])
    activity(w.station, day(9, 30), core)
    activity(w.enterprise, day(8, 1), core, status="draft")       # not counted
    activity(w.association, day(8, 2), core, status="returned")   # not counted
    activity(tree.village_a2, day(10, 1), core)                   # the next quarter
    activity(tree.village_a2, day(8, 3), w.area_2)                # another alliance
    activity(tree.village_a1, day(5, 1), core)                    # Q2
    project(core, "文化礼堂修缮", day(1, 1), day(6, 30), updates=[(Q2, 50), (Q3, 80)],
            progress=80)
    project(core, "茶园提质", day(4, 1), day(12, 31), member=w.enterprise,
            status=ProjectStatus.DONE, progress=100, updates=[(Q3, 100)])
    project(core, "停办项目", day(1, 1), day(9, 1), member=w.association,
            status=ProjectStatus.STOPPED, progress=10)
    project(core, "明年项目", datetime.date(2027, 1, 1), datetime.date(2027, 6, 30))
    wish(tree.village_a2, at(8, 10))
    wish(tree.village_a1, at(5, 10))                                   # Q2
    wish(tree.village_a2, at(8, 11), kind=NeedKind.NEED)               # not a micro-wish
    wish(tree.village_a2, None, status=ClaimStatus.DONE)               # not confirmed
    wish(tree.village_b2, at(8, 12))                                   # left before Q3's end
    wish(tree.village_b1, at(8, 12))                                   # not a member
    for starts_at, status in ((at(7, 15), MeetingStatus.HELD), (at(8, 15), MeetingStatus.PLANNED),
                              (at(4, 10), MeetingStatus.HELD)):
        Meeting.objects.create(alliance=core, title="联盟例会", starts_at=starts_at, place="村部",
                               status=status)
    stars(core, *Q2, 3)
    stars(core, *Q3, 3)
    stars(core, *Q3, 4)  # the latest of the quarter counts
    return w


# Figures --------------------------------------------------------------------------------

def test_figures_count_what_the_quarter_holds(quarter_world):
    w = quarter_world
    figures = services.quarter_figures([w.core, w.area_1, w.area_2], *Q3, today=TODAY)
    core = figures[w.core.pk]
    assert (core.members, core.activities, core.active_members, core.participants) == (5, 3, 2, 2)
    assert (core.projects, core.progress, core.projects_done, core.projects_late,
            core.project_updates) == (3, 90, 1, 1, 2)
    assert [p.name for p in core.late_projects] == ["文化礼堂修缮"]
    assert (core.wishes_fulfilled, core.meetings_held, core.stars) == (1, 1, 4)
    assert set(core.silent_members) == {"石桥村", "青山镇茶叶协会"}
    area_2 = figures[w.area_2.pk]
    assert (area_2.activities, area_2.wishes_fulfilled, area_2.stars) == (1, 1, None)
    assert figures[w.area_1.pk].activities == 0


def test_progress_of_a_past_quarter_is_read_from_its_updates(quarter_world):
    core = services.quarter_figures([quarter_world.core], *Q2, today=TODAY)[quarter_world.core.pk]
    # 茶园提质 had no update by Q2 (0%); 文化礼堂修缮 was at 50% and already past its end.
    assert (core.projects, core.progress, core.projects_done, core.projects_late,
            core.project_updates) == (3, 25, 0, 1, 1)
    assert (core.members, core.activities, core.wishes_fulfilled, core.meetings_held,
            core.stars) == (6, 1, 1, 1, 3)


def test_late_in_the_running_quarter_is_against_today(quarter_world):
    w = quarter_world
    project(w.core, "本季度到期", day(10, 1), day(11, 30))
    figures = services.quarter_figures([w.core], 2026, 4, today=day(11, 30))[w.core.pk]
    assert "本季度到期" not in [p.name for p in figures.late_projects]
    figures = services.quarter_figures([w.core], 2026, 4, today=day(12, 1))[w.core.pk]
    assert "本季度到期" in [p.name for p in figures.late_projects]


def test_no_alliances_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.quarter_figures([], *Q3) == {}


def _grow(world, n):
    """n more alliances of 青山镇 with a member, an activity, a project and its update each."""
    alliances = Alliance.objects.bulk_create(
        Alliance(name=f"任务联盟{i}", kind=AllianceKind.TASK, type=world.blue,
                 owner=world.core.owner, founded=FOUNDED) for i in range(n))
    Membership.objects.bulk_create(Membership(alliance=a, org=world.station, joined_on=FOUNDED)
                                   for a in alliances)
    theme = ActivityTheme.objects.first()
    Activity.objects.bulk_create(
        Activity(org=world.station, date=day(8, 1), alliance=a, status="confirmed", theme=theme,
                 title="活动", content="内容") for a in alliances)
    projects = Project.objects.bulk_create(
        Project(alliance=a, member=world.station, name="项目", goal="目标", start_date=day(1, 1),
                end_date=day(8, 1)) for a in alliances)
    ProjectUpdate.objects.bulk_create(ProjectUpdate(project=p, year=2026, quarter=3, progress=40,
                                                    note="进展") for p in projects)
    Meeting.objects.bulk_create(Meeting(alliance=a, title="例会", starts_at=at(8, 1), place="x",
                                        status=MeetingStatus.HELD) for a in alliances)
    StarRating.objects.bulk_create(StarRating(alliance=a, year=2026, quarter=3, stars=2,
                                              source=StarSource.MANUAL, reason="批量")
                                   for a in alliances)
    return alliances


def test_figures_take_the_same_queries_for_one_or_many_alliances(quarter_world):
    w = quarter_world
    with CaptureQueriesContext(connection) as small:
        services.quarter_figures([w.core], *Q3, today=TODAY)
    more = _grow(w, 25)
    with CaptureQueriesContext(connection) as large:
        figures = services.quarter_figures([w.core, *more], *Q3, today=TODAY)
    assert len(large) == len(small) == 7
    assert figures[more[0].pk].projects_late == 1 and figures[more[0].pk].activities == 1


# Ranking --------------------------------------------------------------------------------

def test_ranks_within_a_group_share_on_ties_and_skip(alliances_world):
    w = alliances_world
    figures = services.quarter_figures([w.core, w.area_1, w.area_2], *Q3, today=TODAY)
    figures[w.area_1.pk].stars = 3
    by_type, by_level = services.board_groups(figures.values())
    assert [group.label for group in by_type] == ["红色引领", "绿色发展"]
    assert by_type[0].colour == "#c0392b"
    assert [(row.rank, row.figures.alliance.name) for row in by_type[0].rows] == [
        (1, "青山片区红色引领联盟"), (2, "青山镇全域党建联盟")]
    assert [group.label for group in by_level] == ["核心联盟（全镇）", "片区联盟"]
    figures[w.area_1.pk].stars = None
    rows = services.ranked(figures.values())
    assert [row.rank for row in rows] == [1, 1, 1]
    figures[w.area_2.pk].activities = 2
    assert [row.rank for row in services.ranked(figures.values())] == [1, 2, 2]


def test_a_custom_type_gets_its_own_group_and_a_bad_colour_is_neutralised(alliances_world):
    custom = AllianceType.objects.create(code="gold", name="金色振兴", colour="red;x", order=9)
    Alliance.objects.filter(pk=alliances_world.area_2.pk).update(type=custom)
    alliances = Alliance.objects.filter(owner=alliances_world.core.owner).select_related("type")
    by_type, _ = services.board_groups(services.quarter_figures(alliances, *Q3).values())
    assert [(g.label, g.colour) for g in by_type] == [("红色引领", "#c0392b"),
                                                      ("金色振兴", services.FALLBACK_COLOUR)]


# 定期分析 ----------------------------------------------------------------------------------

def test_analysis_compares_with_the_previous_quarter(quarter_world):
    analysis = services.analyse(quarter_world.core, *Q3, today=TODAY)
    by_key = {c.key: c for c in analysis.comparisons}
    assert (by_key["activities"].direction, by_key["activities"].delta) == ("up", 2)
    assert (by_key["progress"].direction, by_key["progress"].delta) == ("up", 65)
    assert by_key["meetings_held"].direction == "same"
    assert (by_key["members"].now, by_key["members"].before) == (5, 6)  # 柳林村 left in Q3
    assert by_key["stars"].delta == 1 and by_key["stars"].good
    assert by_key["projects_late"].direction == "same"
    assert by_key["silent"].now == 2
    text = "".join(analysis.sentences)
    assert "本季度开展活动 3 次，比上季度增加 2 次。" in analysis.sentences
    assert "平均进度 90%，比上季度提高 65 个百分点。" in text
    assert "召开例会与观摩 1 次，与上季度持平。" in analysis.sentences
    assert "有 1 个项目逾期未完成：文化礼堂修缮" in text
    assert "石桥村" in text and "青山镇茶叶协会" in text
    assert "本季度评为 4 星，比上季度提升 1 星。" in analysis.sentences
    assert not any(sentence.endswith("。。") for sentence in analysis.sentences)


def test_analysis_of_a_quiet_alliance(alliances_world):
    analysis = services.analyse(alliances_world.area_1, *Q3, today=TODAY)
    assert "本季度开展活动 0 次，与上季度持平。" in analysis.sentences
    assert "没有逾期项目。" in analysis.sentences and "本季度尚未评星。" in analysis.sentences
    assert set(analysis.silent_members) == {"青山村", "青山茶业有限公司"}
    assert all(c.direction in ("same", "") for c in analysis.comparisons)


def test_a_decrease_is_said_as_such(quarter_world):
    analysis = services.analyse(quarter_world.core, 2026, 4, today=TODAY)
    assert "本季度开展活动 1 次，比上季度减少 2 次。" in analysis.sentences  # 石桥村 on 10-01
    assert {c.key: c for c in analysis.comparisons}["activities"].good is False


# Pages ----------------------------------------------------------------------------------

def count_queries(client, address, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address, params)
    assert response.status_code == 200
    return len(captured)


def test_the_board_groups_by_type_and_by_level(quarter_world, login, township_admin):
    response = login(township_admin).get(url("showcase_board"), PARAMS)
    page = response.content.decode()
    assert response.status_code == 200
    assert "按类型比拼" in page and "按层级比拼" in page
    assert "红色引领" in page and "片区联盟" in page and "白水乡全域党建联盟" not in page
    assert url("showcase_alliance", quarter_world.core.pk) in page
    assert url("showcase_poster") in page


def test_the_board_survives_bad_selectors(alliances_world, login, county_admin):
    client = login(county_admin)
    for params in ({"year": "abc", "quarter": "9"}, {"township": "999999"},
                   {"year": "99999999999999999999"}):
        assert client.get(url("showcase_board"), params).status_code == 200


def test_the_board_has_empty_states(tree, login, township_admin):
    page = login(township_admin).get(url("showcase_board")).content.decode()
    assert "您的范围内还没有党建联盟" in page
    assert f'value="{timezone.localdate().year}"' in page  # the picker shows the quarter used


def test_the_board_of_a_quarter_before_the_alliances(alliances_world, login, township_admin):
    page = login(township_admin).get(url("showcase_board"),
                                     {"year": 2024, "quarter": 1}).content.decode()
    assert "青山镇在2024年第1季度没有党建联盟" in page


def test_scope_and_capability(quarter_world, login, talent, other_village_secretary,
                              village_secretary, township_admin):
    core = quarter_world.core
    assert login(talent).get(url("showcase_board")).status_code == 403
    assert login(talent).post(url("showcase_poster"), POSTER).status_code == 403
    assert login(other_village_secretary).get(url("showcase_alliance", core.pk)).status_code \
        == 404
    assert login(township_admin).get(
        url("showcase_alliance", quarter_world.other_core.pk)).status_code == 404
    response = login(village_secretary).get(url("showcase_alliance", core.pk), PARAMS)
    page = response.content.decode()
    assert response.status_code == 200
    assert "本季度开展活动 3 次，比上季度增加 2 次。" in page
    assert "文化礼堂修缮" in page and "青山镇茶叶协会" in page


def test_the_alliance_page_survives_bad_selectors(quarter_world, login, county_admin):
    client = login(county_admin)
    for params in ({"year": "abc", "quarter": "9"}, {"year": "1"}):
        assert client.get(url("showcase_alliance", quarter_world.core.pk),
                          params).status_code == 200


def test_board_queries_do_not_follow_the_alliances(quarter_world, login, township_admin):
    client = login(township_admin)
    small = count_queries(client, url("showcase_board"), PARAMS)
    _grow(quarter_world, 25)
    assert count_queries(client, url("showcase_board"), PARAMS) == small


def test_alliance_page_queries_do_not_follow_members_or_projects(quarter_world, login,
                                                                 county_admin, tree):
    w = quarter_world
    client = login(county_admin)
    small = count_queries(client, url("showcase_alliance", w.core.pk), PARAMS)
    Membership.objects.bulk_create([Membership(alliance=w.core, org=tree.village_b1,
                                               joined_on=FOUNDED),
                                    Membership(alliance=w.core, org=tree.unit,
                                               joined_on=FOUNDED)])
    for i in range(10):
        project(w.core, f"新项目{i}", day(1, 1), day(3, 1), member=tree.village_b1,
                updates=[(Q2, 10), (Q3, 20)])
        activity(tree.unit, day(8, 1), w.core)
        wish(tree.village_b1, at(8, 1))
    assert count_queries(client, url("showcase_alliance", w.core.pk), PARAMS) == small


# The poster -------------------------------------------------------------------------------

@pytest.fixture
def poppler():
    need_service(bool(shutil.which("pdffonts") and shutil.which("pdftotext")
                      and shutil.which("pdfinfo")),
                 "poppler-utils (pdffonts, pdftotext, pdfinfo) not installed")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def poster_of(world, **changes):
    return {**PARAMS, "township": world.core.owner_id, **changes}


def start_poster(client, params, django_capture_on_commit_callbacks):
    """POST the poster's start form, run the job when the request commits; the response."""
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url("showcase_poster"), params)


def test_the_poster_starts_a_job_and_the_file_is_downloaded_from_its_page(
        quarter_world, login, township_admin, media, django_capture_on_commit_callbacks):
    client = login(township_admin)
    response = start_poster(client, poster_of(quarter_world),
                            django_capture_on_commit_callbacks)
    job = Job.objects.get(owner=township_admin, kind=POSTER_KIND)
    assert response.status_code == 302
    assert response.url == reverse("portal:job_detail", args=[job.uuid])
    job.refresh_from_db()
    assert job.succeeded, job.error
    assert job.title == "青山镇党建联盟2026年第3季度晾晒（A3 海报）"
    assert job.scope_org == quarter_world.core.owner
    assert job.params["township"] == quarter_world.core.owner_id
    assert job.output.filename == "青山镇党建联盟2026年第3季度晾晒.pdf"
    assert job.output.mimetype == "application/pdf"
    page = client.get(response.url).content.decode()
    download = reverse("portal:download", args=[job.output.uuid])
    assert download in page
    file = client.get(download)
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="export", data__exporter=POSTER_KIND)
    assert event.data["params"] == {"township": job.scope_org_id, "year": 2026, "quarter": 3}


def test_a_bad_poster_request_goes_back_to_the_board(quarter_world, login, township_admin,
                                                     tree):
    client = login(township_admin)
    board = f"{url('showcase_board')}?year=2026&quarter=3"
    for params in (poster_of(quarter_world, township=tree.town_b.pk),  # not in the scope
                   poster_of(quarter_world, quarter=5), poster_of(quarter_world, year="x"),
                   {}):
        response = client.post(url("showcase_poster"), {**params, "next": board})
        assert response.status_code == 302 and response.url == board, params
    assert not Job.objects.exists()
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages and not any(m.endswith("。。") for m in messages)
    assert client.get(url("showcase_poster")).status_code == 405


def test_a_member_secretary_files_the_poster_under_the_township(quarter_world, login,
                                                                village_secretary, media,
                                                                django_capture_on_commit_callbacks):
    """青山村's secretary sees 青山镇's alliances through its membership: alliance.view there."""
    start_poster(login(village_secretary), poster_of(quarter_world),
                 django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=POSTER_KIND)
    assert job.succeeded, job.error
    assert job.scope_org == quarter_world.core.owner


def test_the_poster_job_checks_the_scope_again(quarter_world, township_admin, tree, media):
    owner = quarter_world.core.owner
    with pytest.raises(ValueError):
        start_export(POSTER_KIND, owner, poster_of(quarter_world, quarter=0),
                     actor=township_admin)
    with pytest.raises(ValueError):
        start_export(POSTER_KIND, owner, poster_of(quarter_world, township=999999),
                     actor=township_admin)
    # Started for a township the admin does not see: the job refuses to read its board.
    job = execute_job(start_export(POSTER_KIND, owner,
                                   poster_of(quarter_world, township=tree.town_b.pk),
                                   actor=township_admin).pk)
    assert job.failed and not job.output and "范围" in job.error
    # Roles revoked after the start: the runner refuses before rendering.
    job = start_export(POSTER_KIND, owner, poster_of(quarter_world), actor=township_admin)
    township_admin.role_assignments.update(revoked_at=timezone.now())
    forget_roles(township_admin)
    job = execute_job(job.pk)
    assert job.failed and not job.output


def test_poster_job_queries_do_not_follow_the_alliances(quarter_world, township_admin, media,
                                                        monkeypatch):
    import weasyprint

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *a, **k: b"%PDF-1.7\n")
    exporter = get_exporter(POSTER_KIND)
    job = start_export(POSTER_KIND, quarter_world.core.owner, poster_of(quarter_world),
                       actor=township_admin)

    def render_queries():
        with CaptureQueriesContext(connection) as captured:
            exporter.render(job, lambda *a, **k: None)
        return len(captured)

    small = render_queries()
    _grow(quarter_world, 25)
    assert render_queries() == small


def poster_file(client, params, django_capture_on_commit_callbacks):
    start_poster(client, params, django_capture_on_commit_callbacks)
    job = Job.objects.filter(kind=POSTER_KIND).latest("id")
    assert job.succeeded, job.error
    return job.output.file.read()


def test_the_poster_is_a3_landscape_with_the_font_embedded(
        quarter_world, login, township_admin, tmp_path, poppler, media,
        django_capture_on_commit_callbacks):
    content = poster_file(login(township_admin), poster_of(quarter_world),
                          django_capture_on_commit_callbacks)
    assert content.startswith(b"%PDF-")
    fonts = pdf_tool(tmp_path, content, "pdffonts").splitlines()[2:]
    assert fonts
    for line in fonts:
        assert "WenQuanYi" in line.split()[0], line
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    info = pdf_tool(tmp_path, content, "pdfinfo")
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(v) for v in size.split()[2:5:2])
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape in points
    text = pdf_text(tmp_path, content)
    for expected in ("青山镇党建联盟2026年第3季度晾晒", "按类型比拼", "按层级比拼", "红色引领",
                     "绿色发展", "核心联盟（全镇）", "青山镇全域党建联盟", "石桥片区绿色发展联盟",
                     "4星", "90%", "第1页"):
        assert expected in text, expected


def test_the_poster_of_a_quarter_without_alliances_renders(
        alliances_world, login, township_admin, tmp_path, poppler, media,
        django_capture_on_commit_callbacks):
    content = poster_file(login(township_admin),
                          {"township": alliances_world.core.owner_id, "year": 2020,
                           "quarter": 1}, django_capture_on_commit_callbacks)
    assert "青山镇在2020年第1季度没有党建联盟" in pdf_text(tmp_path, content)


def test_the_poster_colours_the_type_bars(quarter_world):
    from django.template.loader import render_to_string

    w = quarter_world
    figures = services.quarter_figures([w.core, w.area_1, w.area_2], *Q3, today=TODAY)
    by_type, by_level = services.board_groups(figures.values())
    html = render_to_string("pdf/alliance_showcase.html", {
        "title": "海报", "label": "2026年第3季度", "by_type": by_type, "by_level": by_level,
        "totals": services.board_totals(figures.values()), "rank_rule": services.RANK_RULE,
        "pdf_font_family": "x"})
    assert "background: #c0392b" in html and "background: #1e8449" in html
    assert "border-left: 3pt solid #1e8449" in html
