"""批量备案: the county ticks submitted agreements on 待备案 and files them at once; each goes
through do_file_agreement (needs list on the board, audit), all of them or none."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from pairing.models import AgreementStatus, AnnualAgreement, Need, NeedItem, Pairing
from pairing.services.agreements import do_file_agreements
from portal.models import AuditEvent

YEAR = 2026


@pytest.fixture
def submitted(tree):
    rows = []
    for village in (tree.village_a1, tree.village_b1):
        pairing = Pairing.objects.create(city_org=tree.unit, village_org=village,
                                         since=datetime.date(2025, 1, 1))
        agreement = AnnualAgreement.objects.create(pairing=pairing, year=YEAR,
                                                   status=AgreementStatus.SUBMITTED)
        NeedItem.objects.create(agreement=agreement, title=f"{village.name}修路")
        rows.append(agreement)
    return rows


def test_service_files_each_with_its_needs_and_audit(submitted, county_admin):
    before = AuditEvent.objects.count()
    done = do_file_agreements(submitted, actor=county_admin)
    assert {a.status for a in done} == {AgreementStatus.FILED}
    assert Need.objects.count() == 2
    assert AuditEvent.objects.count() == before + 2


def test_service_all_or_nothing(submitted, tree, county_admin):
    draft = AnnualAgreement.objects.create(pairing=submitted[0].pairing, year=YEAR - 1)
    with pytest.raises(ValidationError) as caught:
        do_file_agreements([submitted[0], draft], actor=county_admin)
    assert caught.value.code == "state"
    assert not Need.objects.exists()
    submitted[0].refresh_from_db()
    assert submitted[0].status == AgreementStatus.SUBMITTED


def test_service_refuses_without_the_capability(submitted, township_admin):
    with pytest.raises(PermissionDenied):
        do_file_agreements(submitted, actor=township_admin)


def test_page_lists_submitted_and_files_ticked(client, submitted, county_admin, tree):
    AnnualAgreement.objects.create(pairing=submitted[0].pairing, year=YEAR - 1)  # a draft
    client.force_login(county_admin)
    page = client.get(reverse("pairing:agreement_to_file"), {"year": YEAR})
    assert sorted(a.pk for a in page.context["page"]) == sorted(a.pk for a in submitted)
    response = client.post(reverse("pairing:agreement_file_batch"),
                           {"ids": [a.pk for a in submitted]})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已备案 2 份协议，需求清单已发布到村需求看板。"]
    assert set(AnnualAgreement.objects.filter(year=YEAR).values_list("status", flat=True)) == {
        AgreementStatus.FILED}


def test_batch_refuses_other_roles_and_unknown_ids(client, submitted, county_admin,
                                                   township_admin):
    url = reverse("pairing:agreement_file_batch")
    client.force_login(township_admin)
    assert client.post(url, {"ids": [submitted[0].pk]}).status_code == 403
    client.force_login(county_admin)
    assert client.post(url, {"ids": [submitted[0].pk, 999999]}).status_code == 404
    assert not AnnualAgreement.objects.filter(status=AgreementStatus.FILED).exists()
