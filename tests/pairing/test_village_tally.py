"""村结对汇总, 村年度共建汇总 and 需求年度汇总 (pairing.village_tally): the triggers keep the
per-village and per-village-year figures equal to a recount of the raw rows through the
services' writes (pairings created, ended; agreements filed, superseded; projects added,
cancelled, deleted; households and aid pairings added and removed), raw bulk writes and the
needs' writes; `manage.py village_tally` checks and rebuilds; the admin shows the rows
read-only."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pairing import need_tally, village_tally
from pairing.models import (
    AidHousehold,
    AidPairing,
    AnnualAgreement,
    Claim,
    Need,
    NeedItem,
    NeedYearTally,
    Pairing,
    ProjectItem,
    ResourceItem,
    VillagePairingTally,
    VillageYearTally,
)
from pairing.services import agreements as agreement_services
from pairing.services import aid as aid_services
from pairing.services import pairings as pairing_services
from pairing.statistics import pairing_statistics
from tests.factories import PersonFactory, UserFactory, add_org

YEAR = timezone.localdate().year
DAY = datetime.date(YEAR, 1, 1)


def _today():
    """{village id: (active pairings, households)}, rows of zeros left out."""
    return {row.village_org_id: (row.active_pairings, row.households)
            for row in VillagePairingTally.objects.all()
            if row.active_pairings or row.households}


def _years():
    """{(village id, year): (agreements filed, projects, budget)}, rows of zeros left out."""
    return {(row.village_org_id, row.year): (row.agreements_filed, row.projects, row.budget)
            for row in VillageYearTally.objects.all()
            if row.agreements_filed or row.projects or row.budget}


def _agrees():
    assert village_tally.check() == {}


def _project(agreement, name, budget, **fields):
    return ProjectItem(agreement=agreement, name=name, budget=Decimal(budget), **fields)


def _filed_agreement(pairing, village_secretary, unit_contact, county_admin, *budgets):
    """An agreement of YEAR through the services: drafted, listed, confirmed by both sides,
    filed."""
    agreement = agreement_services.do_create_agreement(pairing, YEAR, actor=village_secretary)
    agreement_services.do_save_item(
        agreement, ResourceItem(agreement=agreement, category="funds", description="资金"),
        actor=village_secretary)
    agreement_services.do_save_item(agreement, NeedItem(agreement=agreement, title="修路"),
                                    actor=village_secretary)
    for n, budget in enumerate(budgets):
        agreement_services.do_save_project(agreement, _project(agreement, f"项目{n}", budget),
                                           actor=village_secretary)
    agreement_services.do_submit_agreement(agreement, actor=village_secretary)
    agreement_services.do_submit_agreement(agreement, actor=unit_contact)
    return agreement_services.do_file_agreement(agreement, actor=county_admin)


def test_service_writes_keep_the_tallies(tree, county_admin, village_secretary, unit_contact):
    a1, a2 = tree.village_a1, tree.village_a2
    second_unit = add_org(tree.county, "县教育局", "unit", code="U0002")
    pairing = pairing_services.do_create_pairing(tree.unit, a1, actor=county_admin)
    other = pairing_services.do_create_pairing(second_unit, a1, actor=county_admin)
    pairing_services.do_create_pairing(tree.unit, a2, actor=county_admin)
    _agrees()
    assert _today() == {a1.pk: (2, 0), a2.pk: (1, 0)}

    # A pairing ended leaves the village's active pairings; a plan edit changes nothing.
    pairing_services.do_end_pairing(other, actor=county_admin)
    pairing_services.do_update_plan(pairing, actor=village_secretary, goals="目标", tasks="任务",
                                    measures="措施")
    _agrees()
    assert _today() == {a1.pk: (1, 0), a2.pk: (1, 0)}

    # An agreement drafted: its projects count (the current version), it is not filed yet.
    agreement = agreement_services.do_create_agreement(pairing, YEAR, actor=village_secretary)
    road = agreement_services.do_save_project(agreement, _project(agreement, "道路", "1000.50"),
                                              actor=village_secretary)
    _agrees()
    assert _years() == {(a1.pk, YEAR): (0, 1, Decimal("1000.50"))}
    road.budget = Decimal("2000")
    agreement_services.do_save_project(agreement, road, actor=village_secretary)
    cancelled = agreement_services.do_save_project(
        agreement, _project(agreement, "取消", "999", status="cancelled"), actor=village_secretary)
    _agrees()
    assert _years() == {(a1.pk, YEAR): (0, 1, Decimal("2000"))}
    agreement_services.do_delete_item(agreement, cancelled, actor=village_secretary)
    agreement_services.do_save_item(
        agreement, ResourceItem(agreement=agreement, category="funds", description="资金"),
        actor=village_secretary)
    agreement_services.do_save_item(agreement, NeedItem(agreement=agreement, title="修路"),
                                    actor=village_secretary)
    agreement_services.do_submit_agreement(agreement, actor=village_secretary)
    agreement_services.do_submit_agreement(agreement, actor=unit_contact)
    agreement = agreement_services.do_file_agreement(agreement, actor=county_admin)
    _agrees()
    assert _years() == {(a1.pk, YEAR): (1, 1, Decimal("2000"))}

    # A new version supersedes the filed one: its copies count, the old projects leave; the
    # pairing still has a filed agreement of the year (the old version).
    draft = agreement_services.do_new_version(agreement, actor=village_secretary)
    _agrees()
    assert _years() == {(a1.pk, YEAR): (1, 1, Decimal("2000"))}
    agreement_services.do_save_project(draft, _project(draft, "新项目", "500"),
                                       actor=village_secretary)
    copied = draft.projects.get(name="道路")
    agreement_services.do_delete_item(draft, copied, actor=village_secretary)
    _agrees()
    assert _years() == {(a1.pk, YEAR): (1, 1, Decimal("500"))}
    # The draft deleted (as the admin would, its lists first): the filed version is current
    # again and its projects come back.
    for model in (ProjectItem, NeedItem, ResourceItem):
        model.objects.filter(agreement=draft).delete()
    draft.delete()
    _agrees()
    assert _years() == {(a1.pk, YEAR): (1, 1, Decimal("2000"))}
    # Last year's filed agreement counts for last year only; a status changed back too.
    last = AnnualAgreement.objects.create(pairing=pairing, year=YEAR - 1, status="filed")
    ProjectItem.objects.create(agreement=last, name="去年", budget=7)
    _agrees()
    assert _years()[(a1.pk, YEAR - 1)] == (1, 1, Decimal("7"))
    AnnualAgreement.objects.filter(pk=last.pk).update(status="returned")
    _agrees()
    assert _years()[(a1.pk, YEAR - 1)] == (0, 1, Decimal("7"))

    # Households: counted while one of their aid pairings is active.
    cadre, cadre2 = PersonFactory(home_org=tree.unit), PersonFactory(home_org=tree.unit)
    home = aid_services.do_create_household(a2, actor=county_admin, head_name="张三",
                                            difficulty="illness")
    _agrees()
    assert _today()[a2.pk] == (1, 0)
    first = aid_services.do_create_aid_pairing(home, actor=county_admin, cadre=cadre,
                                               plan="帮扶")
    second = aid_services.do_create_aid_pairing(home, actor=county_admin, cadre=cadre2,
                                                plan="帮扶")
    _agrees()
    assert _today()[a2.pk] == (1, 1)
    aid_services.do_end_aid_pairing(first, actor=county_admin)
    _agrees()
    assert _today()[a2.pk] == (1, 1)
    aid_services.do_end_aid_pairing(second, actor=county_admin)
    _agrees()
    assert _today()[a2.pk] == (1, 0)
    AidPairing.objects.filter(pk=second.pk).update(is_active=True)
    # The household moves to another village, then is removed.
    AidHousehold.objects.filter(pk=home.pk).update(village_org=tree.village_b1)
    _agrees()
    assert _today()[tree.village_b1.pk] == (0, 1)
    AidPairing.objects.filter(household=home).delete()
    AidHousehold.objects.filter(pk=home.pk).delete()
    _agrees()
    assert tree.village_b1.pk not in _today()

    # A pairing moved to another village takes its figures along, of every year.
    Pairing.objects.filter(pk=pairing.pk).update(village_org=tree.village_b2)
    _agrees()
    assert _years() == {(tree.village_b2.pk, YEAR): (1, 1, Decimal("2000")),
                        (tree.village_b2.pk, YEAR - 1): (0, 1, Decimal("7"))}
    assert _today() == {a2.pk: (1, 0), tree.village_b2.pk: (1, 0)}


def test_bulk_writes_keep_the_tallies(tree):
    """Statements of many rows (bulk_create, queryset updates and deletes) recount each
    village they touch."""
    villages = [tree.village_a1, tree.village_a2, tree.village_b1, tree.village_b2]
    pairings = Pairing.objects.bulk_create(
        Pairing(city_org=tree.unit, village_org=v, since=DAY) for v in villages)
    agreements = AnnualAgreement.objects.bulk_create(
        AnnualAgreement(pairing=p, year=YEAR, status="filed") for p in pairings)
    ProjectItem.objects.bulk_create(
        ProjectItem(agreement=a, name=f"项目{n}", budget=n) for a in agreements for n in (1, 2))
    _agrees()
    assert _years() == {(v.pk, YEAR): (1, 2, Decimal("3")) for v in villages}
    ProjectItem.objects.filter(name="项目1").update(status="cancelled")
    Pairing.objects.filter(village_org__in=villages[:2]).update(status="ended")
    _agrees()
    assert _years() == {(v.pk, YEAR): (1, 1, Decimal("2")) for v in villages}
    assert _today() == {v.pk: (1, 0) for v in villages[2:]}
    ProjectItem.objects.all().delete()
    AnnualAgreement.objects.all().delete()
    _agrees()
    assert _years() == {}


def test_statistics_read_the_tallies(tree, county_admin):
    """The figures come from the tallies: no view counts the projects, agreements, households
    or needs (nor sums the needs' months); the pairings are read only for the units (distinct
    per township, then in total)."""
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1, since=DAY)
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=YEAR, status="filed")
    ProjectItem.objects.create(agreement=agreement, name="项目", budget=Decimal("10.25"))
    home = AidHousehold.objects.create(village_org=tree.village_b1, head_name="李四",
                                       difficulty="poverty")
    AidPairing.objects.create(cadre=PersonFactory(home_org=tree.unit), household=home,
                              since=DAY, plan="帮扶")
    with CaptureQueriesContext(connection) as queries:
        stats = pairing_statistics(county_admin, YEAR)
    sql = [q["sql"] for q in queries.captured_queries]
    for table in ("pairing_projectitem", "pairing_annualagreement", "pairing_aidhousehold",
                  "pairing_aidpairing", "pairing_need", "pairing_claim", "pairing_needmonthtally"):
        assert not [q for q in sql if f'"{table}"' in q], table
    assert len([q for q in sql if '"pairing_pairing"' in q]) == 2  # units: townships, total
    total = stats.total
    assert (total.pairings, total.covered, total.units, total.agreements_filed, total.projects,
            total.budget, total.households) == (1, 1, 1, 1, 1, Decimal("10.25"), 1)


def test_rebuild_and_check_command(tree, capsys):
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1, since=DAY)
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=YEAR, status="filed")
    ProjectItem.objects.create(agreement=agreement, name="项目", budget=5)
    VillagePairingTally.objects.update(active_pairings=7)
    VillageYearTally.objects.update(budget=1)
    with pytest.raises(SystemExit) as failed:
        call_command("village_tally", "--check")
    out = capsys.readouterr().out
    assert failed.value.code == 1 and "共 2 处不一致" in out and "村" in out
    call_command("village_tally", "--rebuild")
    assert "已重建" in capsys.readouterr().out
    call_command("village_tally", "--check")
    assert "一致" in capsys.readouterr().out
    assert _today() == {tree.village_a1.pk: (1, 0)}
    assert _years() == {(tree.village_a1.pk, YEAR): (1, 1, Decimal("5"))}


def test_admin_shows_the_tallies_read_only(tree, admin_client):
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1, since=DAY)
    AnnualAgreement.objects.create(pairing=Pairing.objects.get(), year=YEAR, status="filed")
    Need.objects.create(village_org=tree.village_a1, title="修路", description="说明",
                        deadline=DAY + datetime.timedelta(days=400))
    for model, headers in ((VillagePairingTally, ("共建中结对数", "帮扶户数")),
                           (VillageYearTally, ("年度", "协议已备案结对数", "项目预算")),
                           (NeedYearTally, ("年度", "发布需求数", "已确认数"))):
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        body = admin_client.get(url).content.decode()
        assert all(header in body for header in headers), body
        assert tree.village_a1.name in body
        assert admin_client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403


def _need_years():
    """{(village id, year): (published, claimed, confirmed)}, rows of zeros left out."""
    return {(row.village_org_id, row.year): (row.published, row.claimed, row.confirmed)
            for row in NeedYearTally.objects.all()
            if row.published or row.claimed or row.confirmed}


def test_need_writes_keep_the_year_tally(tree):
    """The needs of a year follow their month tallies through publishing, claims, a move to
    another village and year, and deletes; need_tally's rebuild of the months recounts them."""
    zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    a1, b1 = tree.village_a1, tree.village_b1
    needs = [Need.objects.create(village_org=a1, title=f"需求{n}", description="说明",
                                 deadline=DAY + datetime.timedelta(days=400), places=3)
             for n in range(3)]
    Need.objects.filter(pk=needs[2].pk).update(
        created_at=datetime.datetime(YEAR - 1, 12, 31, 23, tzinfo=zone))
    talents = [UserFactory() for _ in range(2)]
    Claim.objects.create(need=needs[0], claimant=talents[0], status="claimed")
    Claim.objects.create(need=needs[0], claimant=talents[1], status="confirmed")
    Claim.objects.create(need=needs[1], claimant=talents[0], status="done")
    _agrees()
    assert _need_years() == {(a1.pk, YEAR): (2, 2, 1), (a1.pk, YEAR - 1): (1, 0, 0)}
    Claim.objects.filter(need=needs[0]).update(status="withdrawn")
    Need.objects.filter(pk=needs[1].pk).update(village_org=b1)
    _agrees()
    assert _need_years() == {(a1.pk, YEAR): (1, 0, 0), (b1.pk, YEAR): (1, 1, 0),
                             (a1.pk, YEAR - 1): (1, 0, 0)}
    need_tally.rebuild()
    _agrees()
    Claim.objects.all().delete()
    Need.objects.filter(pk__in=[needs[0].pk, needs[2].pk]).delete()
    _agrees()
    assert _need_years() == {(b1.pk, YEAR): (1, 0, 0)}
