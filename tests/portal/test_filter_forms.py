"""One filter bar on every list (templates/includes/filter_form.html): search text and filters
in one form, kept together by searching, filtering and paging; "全部" as every blank choice;
重置; large organization choices as pickers; the people list's export of what it shows."""

import re

import pytest
from django import forms
from django.urls import reverse

from ledger.models import ActivityTheme
from portal import widgets
from portal.filters import blank_as_all
from portal.models import Job
from tests.factories import bulk_people

LISTS = ["portal:person_list", "portal:role_list", "pairing:pairing_list",
         "pairing:unpaired_villages", "pairing:agreement_list", "pairing:need_board",
         "ledger:activity_list", "ledger:request_list", "alliances:alliance_list",
         "alliances:venue_list", "ledger:request_daily", "alliances:charity_board",
         "alliances:star_board", "alliances:showcase_board"]


def filter_form(html, form_id):
    match = re.search(rf'<form method="get"[^>]*id="{form_id}".*?</form>', html, re.S)
    assert match, f"no filter form #{form_id}"
    return match.group(0)


def blank_options(html):
    return re.findall(r'<option value=""[^>]*>\s*([^<]*?)\s*</option>', html)


@pytest.mark.parametrize("url_name", LISTS)
def test_every_list_has_one_filter_bar_with_all_as_blank_and_a_reset(url_name, tree, people,
                                                                   county_admin, login):
    ActivityTheme.objects.get_or_create(code="t1", defaults={"name": "主题党日"})
    response = login(county_admin).get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    bars = re.findall(r'<form method="get"[^>]*class="filter-bar', html)
    assert len(bars) == 1, "one filter bar"
    bar = re.search(r'<form method="get"[^>]*class="filter-bar.*?</form>', html, re.S).group(0)
    assert set(blank_options(bar)) <= {"全部"}
    assert "---------" not in bar
    assert f'href="{reverse(url_name)}">重置</a>' in bar


def test_search_and_filters_are_one_form_and_paging_keeps_both(tree, county_admin, login):
    bulk_people(**{f"p{i}": {"name": f"张{i:02d}", "home_org": tree.village_a1,
                             "is_cadre": True} for i in range(60)})
    client = login(county_admin)
    response = client.get(reverse("portal:person_list"), {"q": "张", "flag": "cadre"})
    html = response.content.decode()
    bar = filter_form(html, "person-filter")
    assert 'name="q" value="张"' in bar  # the search text stays after filtering …
    assert re.search(r'<option value="cadre"\s+selected', bar)  # … and the filter after searching
    next_link = re.search(r'href="\?([^"]*page=2)"', html).group(1).replace("&amp;", "&")
    assert "q=%E5%BC%A0" in next_link and "flag=cadre" in next_link
    page2 = client.get(reverse("portal:person_list") + "?" + next_link).content.decode()
    assert 'name="q" value="张"' in filter_form(page2, "person-filter")
    assert "第 2 / 2 页，共 60 条" in page2


def test_the_live_update_answers_with_the_table_only(tree, people, county_admin, login):
    response = login(county_admin).get(reverse("pairing:pairing_list"), {"q": "青山"},
                                       HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="pairing-table"' in html and "filter-bar" not in html
    bar = filter_form(login(county_admin).get(reverse("pairing:pairing_list")).content.decode(),
                      "pairing-filter")
    assert 'hx-target="#pairing-table"' in bar and 'hx-push-url="true"' in bar
    assert 'hx-trigger="change, submit"' in bar


def test_organization_filters_offer_villages_through_a_picker(tree, people, county_admin,
                                                             login, monkeypatch):
    monkeypatch.setattr(widgets, "PICKER_THRESHOLD", 2)
    client = login(county_admin)
    html = client.get(reverse("portal:person_list"), {"org": tree.village_b1.pk}).content
    bar = filter_form(html.decode(), "person-filter")
    assert 'data-picker-url="/pick/orgs/' in bar
    assert 'value="白水村"' in bar  # the chosen village by name
    assert f'name="org" id="id_org_value" value="{tree.village_b1.pk}"' in bar
    assert "赵白水" in html.decode() and "李青山" not in html.decode()


def test_a_small_org_filter_lists_villages_too(tree, people, county_admin, login):
    bar = filter_form(login(county_admin).get(reverse("portal:person_list")).content.decode(),
                      "person-filter")
    assert "柳林村" in bar  # before, the drop-down stopped at townships


def test_blank_as_all_on_plain_and_filter_fields():
    class Form(forms.Form):
        a = forms.ChoiceField(choices=[("", "---------"), ("x", "X")])
        b = forms.ChoiceField(choices=[("", "全部状态"), ("", "重复"), ("y", "Y")])
        c = forms.ChoiceField(choices=[("z", "Z")])

    form = blank_as_all(Form())
    assert list(form.fields["a"].choices) == [("", "全部"), ("x", "X")]
    assert list(form.fields["b"].choices) == [("", "全部"), ("y", "Y")]
    assert list(form.fields["c"].choices) == [("z", "Z")]


def test_the_people_list_exports_what_it_shows(tree, people, county_admin, township_admin,
                                               login):
    from portal.list_exports import PersonListExporter

    bar_html = login(county_admin).get(reverse("portal:person_list"),
                                       {"flag": "talent"}).content.decode()
    export = re.search(r'<form method="post" action="([^"]+)" class="filter-export.*?</form>',
                       bar_html, re.S)
    assert export.group(1) == reverse("portal:list_export", args=["person_list"])
    assert 'name="query" value="flag=talent"' in export.group(0)
    response = login(county_admin).post(export.group(1), {"query": "flag=talent"})
    job = Job.objects.get(kind="person_list")
    assert response.status_code == 302 and job.params["query"] == "flag=talent"
    rows, _ = PersonListExporter().filtered(county_admin, "flag=talent")
    assert [p.name for p in rows] == ["陈农业"]
    rows, _ = PersonListExporter().filtered(township_admin, "")  # 青山镇's people only
    assert sorted(p.name for p in rows) == ["李青山", "王石桥"]


def test_no_export_button_without_the_capability(tree, people, village_secretary, login):
    html = login(village_secretary).get(reverse("portal:person_list")).content.decode()
    assert "filter-export" not in html
