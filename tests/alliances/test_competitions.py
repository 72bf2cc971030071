"""擂台赛: creating a round, the judge's score sheet (a judge who belongs to an entrant gets 403),
results arithmetic (weights, means, ties share a rank) in bounded queries, publishing refused
while sheets are missing; pages for scope (404), capability (403), bad input and flat query
counts; the Excel (read back with openpyxl, formula text escaped) and the PDF (font embedded,
text extractable), both background jobs started by a POST and re-checked in the job."""

import datetime
import io
import shutil
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from alliances.exporters import COMPETITION_PDF_KIND, COMPETITION_XLSX_KIND
from alliances.forms.competitions import CompetitionForm
from alliances.models import (
    Alliance,
    AllianceKind,
    Competition,
    CompetitionStatus,
    Judge,
    JudgeScore,
    Membership,
)
from alliances.services.competitions import (
    do_create_competition,
    do_publish_competition,
    do_save_score_sheet,
    progress,
    rank_rows,
    results,
    results_pdf,
    results_xlsx,
)
from alliances.views import competitions as competition_views
from portal.exporting import get_exporter, start_export
from portal.jobs import execute_job
from portal.models import AuditEvent, Job
from portal.scope import forget_roles
from portal.transient import BUSY_MESSAGE
from tests.alliances.conftest import FOUNDED, build_alliances_world
from tests.assessment.test_reports import pdf_text, pdf_tool
from tests.conftest import need_service
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HELD_ON = datetime.date(2026, 6, 20)
CRITERIA = [("组织建设", Decimal(60)), ("项目推进", Decimal(40))]


def build_competition(tree, actor, judges, alliances=None, criteria=CRITERIA, world=None):
    """A round of 青山镇 on the alliances world (built here unless given)."""
    world = world or build_alliances_world(tree)
    return do_create_competition(
        actor=actor, owner=tree.town_a, title="2026年上半年党建联盟擂台赛", year=2026, half=1,
        held_on=HELD_ON, criteria=criteria, alliances=alliances or [], judges=judges)


def criteria_of(competition):
    return list(competition.criteria.order_by("order", "id"))


def sheet(competition, *values):
    return dict(zip([c.pk for c in criteria_of(competition)], map(Decimal, values),
                    strict=True))


def fill_all(competition):
    """Every judge scores every entrant they may score, 80 on every criterion (ORM)."""
    rows = progress(competition)
    JudgeScore.objects.bulk_create(
        JudgeScore(judge=row.judge, entrant=entrant, criterion=criterion, score=80)
        for row in rows for entrant in row.eligible for criterion in criteria_of(competition))


@pytest.fixture
def world(tree):
    return build_alliances_world(tree)


@pytest.fixture
def judges(tree):
    return [UserFactory(username="judge_one", first_name="评委甲"),
            UserFactory(username="judge_two", first_name="评委乙")]


# ---------------------------------------------------------------- create

def test_create_takes_every_open_alliance_and_audits(tree, world, county_admin, judges):
    closed = Alliance.objects.create(name="已结束任务联盟", kind=AllianceKind.TASK,
                                     type=world.red, owner=tree.town_a, founded=FOUNDED,
                                     closed_at=FOUNDED)
    competition = build_competition(tree, county_admin, judges, world=world)
    entrants = set(competition.entrants.values_list("alliance_id", flat=True))
    assert entrants == {world.core.pk, world.area_1.pk, world.area_2.pk}
    assert closed.pk not in entrants
    assert [(c.name, c.weight) for c in criteria_of(competition)] == CRITERIA
    assert competition.judges.count() == 2
    assert AuditEvent.objects.filter(data__competition=competition.pk, action="create").exists()


@pytest.mark.parametrize("criteria", [[("组织建设", 60), ("项目推进", 30)],
                                      [("组织建设", 60), ("组织建设", 40)], []])
def test_create_refuses_bad_criteria(tree, world, county_admin, judges, criteria):
    with pytest.raises(ValidationError) as refused:
        build_competition(tree, county_admin, judges, criteria=criteria, world=world)
    assert "criteria" in refused.value.error_dict
    assert not Competition.objects.exists()


def test_create_refuses_an_alliance_of_another_township(tree, world, county_admin, judges):
    with pytest.raises(ValidationError) as refused:
        build_competition(tree, county_admin, judges, alliances=[world.core, world.other_core],
                          world=world)
    assert refused.value.error_dict["alliances"][0].code == "entrant"


def test_create_needs_manage_on_the_owner(tree, world, village_secretary, judges):
    with pytest.raises(PermissionDenied):
        build_competition(tree, village_secretary, judges, world=world)


def test_form_parses_criteria_and_finds_judges(tree, world, township_admin, judges):
    form = CompetitionForm({"owner": tree.town_a.pk, "title": "擂台赛", "year": 2026,
                            "half": 1, "held_on": "2026-06-20",
                            "criteria": "组织建设 30\n项目推进：40%\n\n群众评价,30",
                            "judges": "judge_one, judge_two"}, user=township_admin)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["criteria"] == [("组织建设", 30), ("项目推进", 40), ("群众评价", 30)]
    assert form.cleaned_data["judges"] == judges
    bad = CompetitionForm({"owner": tree.town_b.pk, "title": "擂台赛", "year": 2026, "half": 3,
                           "held_on": "x", "criteria": "组织建设", "judges": "nobody"},
                          user=township_admin)
    assert not bad.is_valid()
    assert set(bad.errors) == {"owner", "half", "held_on", "criteria", "judges"}
    assert "nobody" in bad.errors["judges"][0]


# ---------------------------------------------------------------- score sheet

def test_a_judge_belonging_to_an_entrant_is_refused_for_that_entrant_only(
        tree, world, county_admin, village_secretary, judges):
    competition = build_competition(tree, county_admin, [village_secretary, *judges],
                                    world=world)
    own = competition.entrants.get(alliance=world.area_1)  # 青山村 is a member
    other = competition.entrants.get(alliance=world.area_2)
    with pytest.raises(PermissionDenied):
        do_save_score_sheet(own, actor=village_secretary, scores=sheet(competition, 90, 90))
    assert not JudgeScore.objects.filter(entrant=own).exists()
    do_save_score_sheet(other, actor=village_secretary, scores=sheet(competition, 90, 80))
    assert JudgeScore.objects.filter(entrant=other).count() == 2


def test_a_unit_contact_sits_out_while_a_member_and_not_after_leaving(
        tree, world, county_admin, unit_contact):
    membership = Membership.objects.create(alliance=world.area_2, org=tree.unit,
                                           joined_on=FOUNDED)
    competition = build_competition(tree, county_admin, [unit_contact], world=world)
    entrant = competition.entrants.get(alliance=world.area_2)
    with pytest.raises(PermissionDenied):
        do_save_score_sheet(entrant, actor=unit_contact, scores=sheet(competition, 70, 70))
    membership.left_on = FOUNDED
    membership.save()
    do_save_score_sheet(entrant, actor=unit_contact, scores=sheet(competition, 70, 70))


def test_only_a_seated_judge_scores(tree, world, county_admin, judges):
    competition = build_competition(tree, county_admin, judges, world=world)
    with pytest.raises(PermissionDenied):
        do_save_score_sheet(competition.entrants.first(), actor=county_admin,
                            scores=sheet(competition, 80, 80))


def test_scores_are_0_to_100_and_complete_and_saving_again_replaces(tree, world, county_admin,
                                                                    judges):
    competition = build_competition(tree, county_admin, judges, world=world)
    entrant = competition.entrants.first()
    first, second = criteria_of(competition)
    with pytest.raises(ValidationError) as refused:
        do_save_score_sheet(entrant, actor=judges[0],
                            scores={first.pk: Decimal("100.5"), second.pk: Decimal(-1)})
    assert {e.code for errors in refused.value.error_dict.values() for e in errors} == {"score"}
    with pytest.raises(ValidationError) as refused:
        do_save_score_sheet(entrant, actor=judges[0], scores={first.pk: Decimal(50)})
    assert refused.value.error_dict[f"c{second.pk}"][0].code == "missing"
    do_save_score_sheet(entrant, actor=judges[0], scores=sheet(competition, 50, 60))
    do_save_score_sheet(entrant, actor=judges[0], scores=sheet(competition, 70, 60))
    assert sorted(JudgeScore.objects.values_list("score", flat=True)) == [60, 70]


def test_no_scoring_after_publication(tree, world, county_admin, judges):
    competition = build_competition(tree, county_admin, judges, world=world)
    fill_all(competition)
    do_publish_competition(competition, actor=county_admin)
    with pytest.raises(ValidationError) as refused:
        do_save_score_sheet(competition.entrants.first(), actor=judges[0],
                            scores=sheet(competition, 10, 10))
    assert refused.value.code == "state"


# ---------------------------------------------------------------- results

def test_results_weigh_the_judges_means_and_ties_share_a_rank(tree, world, county_admin,
                                                               judges):
    extra = Alliance.objects.create(name="青山镇茶产业任务联盟", kind=AllianceKind.TASK,
                                    type=world.green, owner=tree.town_a, founded=FOUNDED)
    competition = build_competition(tree, county_admin, judges, world=world)
    entrant = {e.alliance_id: e for e in competition.entrants.all()}
    one, two = judges
    given = {  # alliance: (judge one's sheet, judge two's sheet) on (60%, 40%)
        world.core: ((80, 70), (90, 70)),       # 0.6*85 + 0.4*70 = 79
        world.area_1: ((90, 75), (80, 65)),     # 0.6*85 + 0.4*70 = 79 (a tie)
        world.area_2: ((100, 90), (100, 95)),   # 0.6*100 + 0.4*92.5 = 97
        extra: ((50, 50), (51, 50)),            # 0.6*50.5 + 0.4*50 = 50.3
    }
    for alliance, (first, second) in given.items():
        do_save_score_sheet(entrant[alliance.pk], actor=one, scores=sheet(competition, *first))
        do_save_score_sheet(entrant[alliance.pk], actor=two, scores=sheet(competition, *second))
    with CaptureQueriesContext(connection) as queries:
        table = results(competition)
    assert len(queries) == 3
    ranked = [(row.name, row.rank, row.total) for row in table.rows]
    assert ranked == [("石桥片区绿色发展联盟", 1, Decimal("97.00")),
                      ("青山片区红色引领联盟", 2, Decimal("79.00")),
                      ("青山镇全域党建联盟", 2, Decimal("79.00")),
                      ("青山镇茶产业任务联盟", 4, Decimal("50.30"))]
    assert table.rows[0].means == [Decimal("100.00"), Decimal("92.50")]


def test_results_queries_do_not_grow_with_the_round(tree, world, county_admin, judges):
    small = build_competition(tree, county_admin, judges[:1], alliances=[world.core,
                                                                         world.area_1],
                              world=world)
    fill_all(small)
    more = [UserFactory() for _ in range(4)]
    big = build_competition(tree, county_admin, [*judges, *more],
                            criteria=[(f"项{i}", 20) for i in range(5)], world=world)
    fill_all(big)
    counts = []
    for competition in (small, big):
        with CaptureQueriesContext(connection) as queries:
            table = results(competition)
        counts.append(len(queries))
        assert all(row.total == 80 for row in table.rows)
    assert counts[0] == counts[1] == 3


def test_rank_rows_share_ranks_in_order():
    from types import SimpleNamespace

    rows = [SimpleNamespace(name=n, total=Decimal(t), rank=0)
            for n, t in [("甲", 70), ("乙", 90), ("丙", 90), ("丁", 90), ("戊", 60)]]
    assert [(r.name, r.rank) for r in rank_rows(rows)] == [
        ("丁", 1), ("丙", 1), ("乙", 1), ("甲", 4), ("戊", 5)]


# ---------------------------------------------------------------- publish

def test_publish_is_refused_while_a_judge_has_not_scored_and_names_them(
        tree, world, county_admin, village_secretary, judges):
    competition = build_competition(tree, county_admin, [village_secretary, *judges],
                                    alliances=[world.area_1, world.area_2], world=world)
    fill_all(competition)
    JudgeScore.objects.filter(judge__user=judges[1], entrant__alliance=world.area_2,
                              criterion__order=1).delete()
    with pytest.raises(ValidationError) as refused:
        do_publish_competition(competition, actor=county_admin)
    assert refused.value.code == "incomplete"
    assert "评委乙" in refused.value.messages[0]
    assert "石桥片区绿色发展联盟" in refused.value.messages[0]
    assert "评委甲" not in refused.value.messages[0]
    competition.refresh_from_db()
    assert competition.status == CompetitionStatus.OPEN
    fill_all_missing = progress(competition)
    assert [len(row.missing) for row in fill_all_missing] == [0, 1, 0]
    # The village secretary sits out area_1: nothing is missing from them for it.
    assert [e.alliance for e in fill_all_missing[2].recused] == [world.area_1]


def test_publish_then_refused_again_and_needs_manage_first(tree, world, county_admin, leader,
                                                           judges):
    competition = build_competition(tree, county_admin, judges, world=world)
    with pytest.raises(PermissionDenied):
        do_publish_competition(competition, actor=leader)
    fill_all(competition)
    published = do_publish_competition(competition, actor=county_admin)
    assert published.status == CompetitionStatus.PUBLISHED and published.published_at
    assert AuditEvent.objects.filter(data__competition=competition.pk,
                                     action="transition").count() == 1
    with pytest.raises(ValidationError) as refused:
        do_publish_competition(competition, actor=county_admin)
    assert refused.value.code == "state"
    with pytest.raises(PermissionDenied):  # permission before state
        do_publish_competition(competition, actor=leader)


# ---------------------------------------------------------------- pages

@pytest.fixture
def round_(tree, world, county_admin, village_secretary, talent):
    """青山镇's round: area_1 and area_2, judged by 青山村's secretary (a member of area_1)
    and by the talent (no alliance scope at all)."""
    return build_competition(tree, county_admin, [village_secretary, talent],
                             alliances=[world.area_1, world.area_2], world=world)


def sheet_url(competition, alliance):
    entrant = competition.entrants.get(alliance=alliance)
    return reverse("alliances:score_sheet", args=[competition.pk, entrant.pk])


def test_score_sheet_statuses(login, round_, world, village_secretary, talent, township_admin,
                              other_village_secretary, outsider):
    own, other = sheet_url(round_, world.area_1), sheet_url(round_, world.area_2)
    assert login(village_secretary).get(own).status_code == 403
    assert login(village_secretary).get(other).status_code == 200
    assert login(talent).get(own).status_code == 200  # a judge from outside the scope
    assert login(township_admin).get(own).status_code == 403  # sees the round, not a judge
    assert login(other_village_secretary).get(own).status_code == 404
    assert login(outsider).get(own).status_code == 404
    url = reverse("alliances:score_sheet", args=[round_.pk, 999999])
    assert login(talent).get(url).status_code == 404


def test_score_sheet_saves_and_refuses_bad_input(login, round_, world, talent):
    client = login(talent)
    url = sheet_url(round_, world.area_1)
    first, second = criteria_of(round_)
    page = client.get(url)
    assert 'inputmode="decimal"' in page.content.decode()
    bad = client.post(url, {f"c{first.pk}": "abc", f"c{second.pk}": "150"})
    assert bad.status_code == 200
    assert not JudgeScore.objects.exists()
    saved = client.post(url, {f"c{first.pk}": "88.5", f"c{second.pk}": "90"})
    assert saved.status_code == 302
    assert sorted(JudgeScore.objects.values_list("score", flat=True)) == [Decimal("88.5"), 90]
    again = client.get(url).content.decode()
    assert 'value="88.5"' in again


def test_a_score_sheet_is_saved_through_the_retry(login, round_, world, talent, monkeypatch,
                                                   always_busy):
    monkeypatch.setattr(competition_views, "retrying", always_busy)
    first, second = criteria_of(round_)
    response = login(talent).post(sheet_url(round_, world.area_1),
                                  {f"c{first.pk}": "88.5", f"c{second.pk}": "90"})
    text = response.content.decode()
    assert response.status_code == 200 and BUSY_MESSAGE in text
    assert 'value="88.5"' in text and 'value="90"' in text  # the sheet keeps what was typed
    assert always_busy.called == [do_save_score_sheet]
    assert not JudgeScore.objects.exists()  # what the service wrote went with the conflict


def test_list_and_detail_scope(login, round_, township_admin, talent, outsider,
                               other_village_secretary, unit_contact, village_secretary):
    list_url = reverse("alliances:competition_list")
    detail = reverse("alliances:competition_detail", args=[round_.pk])
    assert round_.title in login(township_admin).get(list_url).content.decode()
    assert round_.title in login(talent).get(list_url).content.decode()  # as a judge
    assert login(outsider).get(list_url).status_code == 403
    assert round_.title not in login(unit_contact).get(list_url).content.decode()
    assert login(other_village_secretary).get(detail).status_code == 404
    page = login(village_secretary).get(detail).content.decode()
    assert "我的评分表" in page and "回避" in page
    assert 'id="results"' not in page  # not published: results only for managers
    managed = login(township_admin).get(detail).content.decode()
    assert 'id="results"' in managed and "60%" in managed and "E+" not in managed


def test_detail_query_count_is_flat(login, tree, world, county_admin, township_admin, judges):
    small = build_competition(tree, county_admin, judges[:1], alliances=[world.core,
                                                                         world.area_1],
                              world=world)
    fill_all(small)
    big = build_competition(tree, county_admin, [*judges, *[UserFactory() for _ in range(5)]],
                            criteria=[(f"项{i}", 25) for i in range(4)], world=world)
    fill_all(big)
    client = login(township_admin)
    counts = []
    for competition in (small, big):
        url = reverse("alliances:competition_detail", args=[competition.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    list_url = reverse("alliances:competition_list")
    with CaptureQueriesContext(connection) as queries:
        client.get(list_url)
    before = len(queries)
    build_competition(tree, county_admin, judges, world=world)
    with CaptureQueriesContext(connection) as queries:
        client.get(list_url)
    assert len(queries) == before


def test_the_list_counts_entrants_and_judges_per_listed_round_without_grouping(
        login, tree, world, county_admin, judges):
    """Each round's entrants and judges are counted by a correlated subquery, for the page's
    rows only: no join of every round with its entrants and judges, grouped before the LIMIT
    (at city scale 500 rounds, 16 ms)."""
    two = build_competition(tree, county_admin, judges, alliances=[world.core, world.area_1],
                            world=world)
    none = build_competition(tree, county_admin, judges[:1], world=world)
    none.entrants.all().delete()
    client = login(county_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("alliances:competition_list"))
    counts = {row.pk: (row.n_entrants, row.n_judges) for row in response.context["page"]}
    assert counts == {two.pk: (2, 2), none.pk: (0, 1)}
    listing = [q["sql"] for q in queries if q["sql"].startswith(
        'SELECT "alliances_competition"."id"') and "LIMIT" in q["sql"]]
    outer_tail = listing[0].rsplit(")", 1)[-1]  # after the last subquery: GROUP/ORDER BY
    assert len(listing) == 1 and "ORDER BY" in outer_tail and "GROUP BY" not in outer_tail


def test_publish_page_refuses_with_a_message_then_publishes(login, round_, township_admin,
                                                            village_secretary):
    url = reverse("alliances:competition_publish", args=[round_.pk])
    assert login(village_secretary).post(url).status_code == 403
    client = login(township_admin)
    response = client.post(url, follow=True)
    assert "尚未完成评分" in response.content.decode()
    fill_all(round_)
    client.post(url)
    round_.refresh_from_db()
    assert round_.status == CompetitionStatus.PUBLISHED


def test_create_page(login, tree, world, township_admin, judges):
    client = login(township_admin)
    assert client.get(reverse("alliances:competition_create")).status_code == 200
    response = client.post(reverse("alliances:competition_create"), {
        "owner": tree.town_a.pk, "title": "擂台赛", "year": 2026, "half": 2,
        "held_on": "2026-12-20", "criteria": "组织建设 50\n项目推进 40", "judges": "judge_one"})
    assert response.status_code == 200
    assert "合计应为 100%" in response.content.decode()
    response = client.post(reverse("alliances:competition_create"), {
        "owner": tree.town_a.pk, "title": "擂台赛", "year": 2026, "half": 2,
        "held_on": "2026-12-20", "criteria": "组织建设 60\n项目推进 40",
        "alliances": [world.area_1.pk, world.area_2.pk], "judges": "judge_one judge_two"})
    competition = Competition.objects.get()
    assert response.status_code == 302 and response.url == competition.get_absolute_url()
    assert Judge.objects.filter(competition=competition).count() == 2


# ---------------------------------------------------------------- exports

@pytest.fixture
def published(round_, county_admin):
    fill_all(round_)
    return do_publish_competition(round_, actor=county_admin)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def export_file(client, name, competition, django_capture_on_commit_callbacks):
    """POST the export button, run the job when the request commits, follow to the job page
    and download its file; (job, file bytes)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(name, args=[competition.pk]))
    job = Job.objects.latest("id")
    assert response.status_code == 302
    assert response.url == reverse("portal:job_detail", args=[job.uuid])
    job.refresh_from_db()
    assert job.succeeded, job.error
    download = reverse("portal:download", args=[job.output.uuid])
    assert download in client.get(response.url).content.decode()
    file = client.get(download)
    assert file.status_code == 200 and "attachment" in file["Content-Disposition"]
    return job, b"".join(file.streaming_content)


def test_exports_wait_for_publication(login, round_, township_admin):
    client = login(township_admin)
    for name in ("alliances:competition_xlsx", "alliances:competition_pdf"):
        response = client.post(reverse(name, args=[round_.pk]))
        assert response.status_code == 302 and response.url == round_.get_absolute_url()
        assert client.get(reverse(name, args=[round_.pk])).status_code == 405
    assert not Job.objects.exists()
    with pytest.raises(ValueError, match="成绩公布后才能导出"):
        start_export(COMPETITION_PDF_KIND, round_.owner, {"competition": round_.pk},
                     actor=township_admin)


def test_the_round_page_offers_the_exports_as_forms(login, published, village_secretary):
    page = login(village_secretary).get(published.get_absolute_url()).content.decode()
    for name in ("alliances:competition_xlsx", "alliances:competition_pdf"):
        assert f'<form method="post" action="{reverse(name, args=[published.pk])}"' in page
    assert "csrfmiddlewaretoken" in page


def test_excel_reads_back(login, published, village_secretary, tree, media,
                          django_capture_on_commit_callbacks):
    job, content = export_file(login(village_secretary), "alliances:competition_xlsx",
                               published, django_capture_on_commit_callbacks)
    assert job.kind == COMPETITION_XLSX_KIND and job.title == f"{published.title}成绩（Excel）"
    assert job.output.filename == f"{published.title}成绩.xlsx"
    # 青山村's secretary sees the round through its membership: filed under its own village.
    assert job.scope_org == tree.village_a1
    rows = list(load_workbook(io.BytesIO(content), read_only=True).active
                .iter_rows(values_only=True))
    assert rows[0][0].startswith(f"{published.title}成绩　范围：{published.owner.name}　")
    rows = rows[1:]
    assert rows[0] == ("排名", "参赛联盟", "打擂主题", "组织建设（60%）", "项目推进（40%）", "总分")
    assert {row[1] for row in rows[1:]} == {"青山片区红色引领联盟", "石桥片区绿色发展联盟"}
    assert all(row[0] == 1 and row[-1] == 80 for row in rows[1:])  # equal totals share rank 1
    event = AuditEvent.objects.get(action="export", data__exporter=COMPETITION_XLSX_KIND)
    assert event.data["params"] == {"competition": published.pk}


def test_excel_escapes_formula_text(published):
    published.entrants.update(topic="=HYPERLINK(\"x\")")
    content = results_xlsx(published, results(published))
    sheet_rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert sheet_rows[2][2] == "'=HYPERLINK(\"x\")"


def test_the_excel_job_escapes_formula_text(login, published, township_admin, media,
                                            django_capture_on_commit_callbacks):
    published.entrants.update(topic="@SUM(A1)")
    _, content = export_file(login(township_admin), "alliances:competition_xlsx", published,
                             django_capture_on_commit_callbacks)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert {row[2] for row in rows[2:]} == {"'@SUM(A1)"}


def test_the_export_form_offers_only_published_rounds_the_user_sees(
        published, talent, other_village_secretary, tree, world, county_admin):
    form = get_exporter(COMPETITION_PDF_KIND).get_form
    assert form({"competition": published.pk}, user=talent).is_valid()  # a judge's seat
    assert not form({"competition": published.pk}, user=other_village_secretary).is_valid()
    still_open = build_competition(tree, county_admin, [talent], world=world)
    refused = form({"competition": still_open.pk}, user=talent)
    assert not refused.is_valid() and refused.errors["competition"] == ["成绩公布后才能导出。"]


def test_the_export_job_checks_the_round_again(published, township_admin, leader,
                                               other_village_secretary, tree, media):
    with pytest.raises(ValueError):
        start_export(COMPETITION_XLSX_KIND, tree.town_a, {"competition": "x"},
                     actor=township_admin)
    # Started for a round the secretary of 白水村 does not see: the job refuses it.
    job = execute_job(start_export(COMPETITION_XLSX_KIND, tree.village_b1,
                                   {"competition": published.pk},
                                   actor=other_village_secretary).pk)
    assert job.failed and not job.output and "范围" in job.error
    # Roles revoked after the start: the runner refuses before rendering.
    job = start_export(COMPETITION_PDF_KIND, tree.county, {"competition": published.pk},
                       actor=leader)
    leader.role_assignments.update(revoked_at=timezone.now())
    forget_roles(leader)
    assert execute_job(job.pk).failed


@pytest.fixture
def poppler():
    need_service(bool(shutil.which("pdffonts") and shutil.which("pdftotext")),
                 "poppler-utils (pdffonts, pdftotext) not installed")


def test_pdf_embeds_the_font_and_the_text_extracts(login, published, talent, tmp_path,
                                                   poppler, media,
                                                   django_capture_on_commit_callbacks):
    """The talent judges the round without any alliance scope: the file is filed under their
    own unit, and the job still finds the round through their seat."""
    job, content = export_file(login(talent), "alliances:competition_pdf", published,
                               django_capture_on_commit_callbacks)
    assert job.scope_org.kind == "unit" and job.output.mimetype == "application/pdf"
    assert content.startswith(b"%PDF-")
    fonts = pdf_tool(tmp_path, content, "pdffonts").splitlines()[2:]
    assert fonts
    for line in fonts:
        assert "WenQuanYi" in line.split()[0], line
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    text = pdf_text(tmp_path, content)
    for expected in ("2026年上半年党建联盟擂台赛成绩", "青山片区红色引领联盟",
                     "石桥片区绿色发展联盟", "组织建设（60%）", "总分", "80.00", "第1页"):
        assert expected in text


def test_pdf_of_an_empty_table_renders(published):
    from alliances.services.competitions import Results

    assert results_pdf(published, Results(criteria_of(published), [])).startswith(b"%PDF-")
