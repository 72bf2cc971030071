"""seed_demo's pairing data: every state present, claims consistent with their events and
places, the demo accounts have something to see, same seed same data, reset removes it.

The small county is seeded once for the module and rolled back at the end; each test runs in
a savepoint inside it, so a test's reseeding or reset is undone too."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q

from pairing.demo import DEMO_TALENT_USERNAME, REFERENCE_DATE
from pairing.models import (
    PLACE_HOLDING,
    AgreementStatus,
    AidHousehold,
    AidPairing,
    AidVisit,
    AnnualAgreement,
    Claim,
    ClaimEvent,
    ClaimStatus,
    JointMeeting,
    Need,
    NeedItem,
    NeedKind,
    NeedStatus,
    Pairing,
    PairingStatus,
    PlanStatus,
    ProjectItem,
)
from portal import demo
from portal.models import Organization
from tests.seeding import end_of_reference_day

YEAR = REFERENCE_DATE.year
END_OF_REFERENCE_DAY = end_of_reference_day()


@pytest.fixture
def seeded(small_county, db):
    return get_user_model().objects


def test_pairings_cover_most_villages_in_every_plan_state(seeded):
    villages = Organization.objects.filter(kind="village")
    covered = villages.filter(pairings_as_village__status=PairingStatus.ACTIVE).distinct().count()
    assert 0 < villages.count() - covered < villages.count() * 0.2
    assert covered >= villages.count() * 0.8
    pairings = Pairing.objects.select_related("city_org", "village_org", "honorary_head__home_org",
                                              "liaison__home_org")
    assert {p.status for p in pairings} == set(PairingStatus.values)
    assert {p.plan_status for p in pairings} == set(PlanStatus.values)
    assert {p.city_org.kind for p in pairings} >= {"unit", "community", "enterprise"}
    for pairing in pairings:
        assert pairing.village_org.kind == "village"
        assert pairing.honorary_head.home_org.path.startswith(pairing.city_org.path), pairing
        assert pairing.liaison.home_org.path.startswith(pairing.city_org.path), pairing
        assert pairing.honorary_head.is_party_member
        assert len(pairing.principles) >= 2
        assert (pairing.plan_status == PlanStatus.RETURNED) == bool(pairing.plan_return_reason)
        assert (pairing.plan_status == PlanStatus.FILED) == (pairing.plan_filed_at is not None)
        assert pairing.since <= REFERENCE_DATE
        assert (pairing.until is not None) == (pairing.status == PairingStatus.ENDED)
    # Some villages have two units.
    assert Pairing.objects.active().values("village_org").annotate(n=Count("id")).filter(
        n=2).exists()


def test_agreements_in_every_state_with_their_lists_and_published_needs(seeded):
    agreements = AnnualAgreement.objects.filter(year=YEAR)
    assert set(agreements.values_list("status", flat=True)) == set(AgreementStatus.values)
    assert not agreements.exclude(pairing__status=PairingStatus.ACTIVE).exists()
    second = agreements.filter(version=2).select_related("supersedes")
    assert second.count() >= 2
    assert all(a.supersedes.status == AgreementStatus.FILED for a in second)
    assert agreements.filter(status=AgreementStatus.RETURNED).exclude(return_reason="").exists()
    assert not agreements.filter(status=AgreementStatus.FILED, filed_at__isnull=True).exists()
    lists = agreements.annotate(resources_n=Count("resources", distinct=True),
                                needs_n=Count("needs", distinct=True),
                                projects_n=Count("projects", distinct=True))
    for agreement in lists:
        assert 2 <= agreement.resources_n <= 4 and 2 <= agreement.needs_n <= 5, agreement
        assert 1 <= agreement.projects_n <= 3, agreement
    for project in ProjectItem.objects.prefetch_related("needs", "resources")[:50]:
        assert project.needs.all() and project.resources.all()
        assert {n.agreement_id for n in project.needs.all()} == {project.agreement_id}
        assert project.start_date <= project.end_date and 0 <= project.progress <= 100
    # A filed agreement's needs list is on the board, each title once per pairing and year.
    filed_items = set(NeedItem.objects.filter(agreement__status=AgreementStatus.FILED)
                      .values_list("agreement__pairing", "title"))
    on_board = list(Need.objects.filter(source_item__isnull=False)
                    .values_list("source_item__agreement__pairing", "title"))
    assert set(on_board) == filed_items and len(on_board) == len(filed_items)
    assert not Need.objects.filter(source_item__isnull=False).exclude(
        kind=NeedKind.NEED, places=1, deadline=datetime.date(YEAR, 12, 31)).exists()


def test_claims_follow_their_events_and_hold_the_needs_places(seeded):
    assert set(Claim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert set(Need.objects.values_list("kind", flat=True)) == set(NeedKind.values)
    needs = Need.objects.annotate(
        holding=Count("claims", filter=Q(claims__status__in=PLACE_HOLDING)))
    assert not needs.exclude(taken_places=F("holding")).exists()
    assert not needs.filter(taken_places__gt=F("places")).exists()
    published = needs.filter(status=NeedStatus.PUBLISHED)
    assert published.filter(deadline__gte=REFERENCE_DATE, taken_places__lt=F("places")).exists()
    assert published.filter(deadline__gte=REFERENCE_DATE, taken_places=F("places")).exists()
    assert published.filter(deadline__lt=REFERENCE_DATE).exists()  # overdue
    assert needs.filter(status=NeedStatus.CLOSED).exists()

    events = {}
    for event in ClaimEvent.objects.order_by("created_at", "id"):
        events.setdefault(event.claim_id, []).append(event)
    claims = Claim.objects.select_related("need")
    assert len(events) == claims.count()
    for claim in claims:
        chain = events[claim.pk]
        assert chain[0].from_status == "" and chain[0].to_status == ClaimStatus.CLAIMED
        assert chain[0].actor_id == claim.claimant_id and chain[0].created_at == claim.created_at
        for before, after in zip(chain, chain[1:], strict=False):
            assert after.from_status == before.to_status, claim
        assert chain[-1].to_status == claim.status, claim
        assert chain[-1].created_at < END_OF_REFERENCE_DAY
        assert claim.created_at >= claim.need.created_at
        if claim.status == ClaimStatus.CONFIRMED:
            assert 1 <= claim.rating <= 5 and claim.confirmed_at == chain[-1].created_at
        if claim.status in (ClaimStatus.DONE, ClaimStatus.CONFIRMED):
            assert claim.done_at and claim.result
    # Claimants hold the talent role at an organization paired with the need's village.
    for claim in claims.select_related("claimant").filter(
            claimant__username__startswith="talent_")[:40]:
        org = claim.claimant.role_assignments.get().org
        assert Pairing.objects.active().filter(city_org=org,
                                               village_org=claim.need.village_org).exists()


def test_demo_accounts_have_something_to_see(seeded):
    users = seeded
    secretary, talent = users.get(username="village_secretary"), users.get(username="talent")
    village = secretary.role_assignments.get().org
    unit = talent.role_assignments.get().org
    assert unit.name == "县农业农村局"
    assert Pairing.objects.active().filter(city_org=unit, village_org=village).exists()
    to_confirm = Claim.objects.visible_to(secretary, "need.confirm")
    assert to_confirm.filter(status=ClaimStatus.DONE).exists()
    assert to_confirm.filter(status=ClaimStatus.CONFIRMED).exists()
    assert not to_confirm.exclude(need__village_org=village).exists()
    assert Need.objects.visible_to(secretary).open().filter(
        deadline__gte=REFERENCE_DATE, taken_places__lt=F("places")).exists()

    mine = set(Claim.objects.filter(claimant=talent).values_list("status", flat=True))
    assert mine == set(ClaimStatus.values)
    holding = Claim.objects.filter(claimant=talent, status__in=PLACE_HOLDING).values("need")
    claimable = (Need.objects.visible_to(talent, "need.claim").open()
                 .filter(deadline__gte=REFERENCE_DATE, taken_places__lt=F("places"))
                 .exclude(pk__in=holding))
    assert claimable.count() >= 2
    assert claimable.filter(village_org=village).exists()


def test_meetings_and_aid(seeded):
    active = Pairing.objects.active()
    first_half = active.filter(meetings__year=YEAR, meetings__half=1).count()
    second_half = active.filter(meetings__year=YEAR, meetings__half=2).count()
    assert first_half > active.count() * 0.7
    assert 0 < second_half < active.count() * 0.7
    for meeting in JointMeeting.objects.select_related(
            "pairing__city_org", "pairing__village_org", "unit_chair__home_org",
            "village_chair__home_org"):
        assert meeting.pairing.since <= meeting.date <= REFERENCE_DATE
        assert (meeting.year, meeting.half) == (meeting.date.year, 1 + (meeting.date.month > 6))
        assert meeting.unit_chair.home_org.path.startswith(meeting.pairing.city_org.path)
        assert meeting.village_chair.home_org_id == meeting.pairing.village_org_id

    villages = Organization.objects.filter(kind="village").count()
    with_households = AidHousehold.objects.values("village_org").distinct().count()
    assert with_households >= villages * 0.7
    per_village = AidHousehold.objects.values("village_org").annotate(n=Count("id"))
    assert all(2 <= row["n"] <= 5 for row in per_village)
    assert not AidHousehold.objects.filter(is_active=True, aid_pairings__isnull=True).exists()
    for aid in AidPairing.objects.select_related("cadre").annotate(visits_n=Count("visits")):
        assert aid.cadre.is_cadre or aid.cadre.is_party_member
        assert 1 <= aid.visits_n <= 4 and aid.since <= REFERENCE_DATE
    assert not AidVisit.objects.filter(date__gt=REFERENCE_DATE).exists()


def _fingerprint():
    return (
        list(Pairing.objects.order_by("id").values_list(
            "city_org__code", "village_org__code", "since", "until", "status", "principles",
            "honorary_head__id_number", "liaison__id_number", "plan_status", "created_at")),
        list(AnnualAgreement.objects.order_by("id").values_list(
            "pairing__village_org__code", "version", "status", "filed_at")),
        list(Need.objects.order_by("id").values_list(
            "village_org__code", "title", "deadline", "places", "taken_places", "status")),
        list(Claim.objects.order_by("id").values_list(
            "need__title", "claimant__username", "status", "created_at", "rating")),
        list(AidHousehold.objects.order_by("id").values_list("head_name", "phone")),
    )


def test_same_seed_same_data_and_reset_replaces_it(seeded):
    first = _fingerprint()  # the module's county, seed 1
    demo.seed("small", 1, reset=True)
    assert _fingerprint() == first
    demo.seed("small", 5, reset=True)
    assert _fingerprint()[0] != first[0]


def test_reset_deletes_pairing_data_and_demo_talent_accounts(seeded):
    accounts = [u for u in get_user_model().objects.values_list("username", flat=True)
                if DEMO_TALENT_USERNAME.match(u)]
    assert accounts
    demo.reset_demo_data()
    for model in (Pairing, AnnualAgreement, Need, Claim, ClaimEvent, JointMeeting,
                  AidHousehold, AidPairing, AidVisit, NeedItem, ProjectItem):
        assert not model.objects.exists(), model
    assert not get_user_model().objects.filter(username__in=accounts).exists()
    assert not Organization.objects.exists()
