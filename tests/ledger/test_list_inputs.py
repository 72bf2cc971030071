"""Bad list filters are shown on the form, never a server error; list pages vary on htmx."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2026-13", "abc"])
def test_an_impossible_month_is_a_form_error(login, village_secretary, month):
    response = login(village_secretary).get(reverse("ledger:activity_list"), {"month": month})
    assert response.status_code == 200
    assert "月份" in response.content.decode()


def test_list_pages_vary_on_the_htmx_header(login, village_secretary):
    response = login(village_secretary).get(reverse("ledger:activity_list"))
    assert "HX-Request" in response["Vary"]
