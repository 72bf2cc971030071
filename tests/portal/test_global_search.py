"""The global search: pinyin keys, scope per persona, pages and their query counts."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from pairing.models import Need, Pairing
from portal.models import Organization, Person
from portal.pinyin import query_key, search_key
from portal.search import run_search
from tests.factories import PersonFactory, add_org, bulk_people

SEARCH = reverse("portal:search")
SUGGEST = reverse("portal:search_suggest")


def titles(user, text, source_key):
    for source, results in run_search(user, text, 20):
        if source.key == source_key:
            return [hit.title for hit in results.hits]
    raise AssertionError(f"no source {source_key}")


# --- keys ---------------------------------------------------------------------------------

def test_a_name_is_keyed_by_full_pinyin_and_initials():
    assert search_key("青山村") == "qingshancun qsc"
    assert search_key("张三") == "zhangsan zs"
    assert search_key("ABC公司") == "abcgongsi ags"
    assert search_key("") == ""


def test_a_query_is_turned_into_key_text():
    assert query_key(" Qing'shan ") == "qingshan"
    assert query_key("青shan") == "qingshan"
    assert query_key("q s c") == "qsc"


@given(st.text(alphabet="青山村张三李王石桥白水柳林县农业局镇乡", min_size=1, max_size=12))
def test_a_name_its_pinyin_and_its_initials_all_find_it(name):
    key = search_key(name)
    full, initials = key.split(" ")
    assert query_key(name) == full  # typed in Chinese, or spelled out in full
    assert len(initials) == len(name) and full.startswith(initials[0])
    assert query_key(initials) in key


def test_keys_are_kept_on_save_bulk_create_and_bulk_update(tree):
    org = add_org(tree.town_a, "柳树村", "village")
    assert Organization.objects.get(pk=org.pk).search_key == "liushucun lsc"
    org.name = "杨树村"
    org.save(update_fields=["name"])
    assert Organization.objects.get(pk=org.pk).search_key == "yangshucun ysc"
    people = bulk_people(p={"name": "刘备", "home_org": tree.village_a1})  # bulk_create
    assert Person.objects.get(pk=people["p"].pk).search_key == "liubei lb"
    person = people["p"]
    person.name = "关羽"
    Person.objects.bulk_update([person], ["name"])
    assert Person.objects.get(pk=person.pk).search_key == "guanyu gy"
    person.name = "张飞"
    person.save()
    assert Person.objects.get(pk=person.pk).search_key == "zhangfei zf"


def test_the_migration_keys_existing_rows(tree, people):
    Organization.objects.update(search_key="")
    Person.objects.update(search_key="")
    migration = importlib.import_module("portal.migrations.0004_search_keys")
    migration.fill_search_keys(apps, None)
    assert Organization.objects.get(pk=tree.village_a1.pk).search_key == "qingshancun qsc"
    assert Person.objects.get(pk=people.a1.pk).search_key == "liqingshan lqs"


# --- what each persona finds --------------------------------------------------------------

@pytest.mark.parametrize("text", ["qsc", "qingshan", "QingShan", "青山", "qing'shan cun"])
def test_pinyin_initials_and_chinese_find_the_village(county_admin, text):
    assert "青山村" in titles(county_admin, text, "orgs")


def test_people_are_found_by_surname_pinyin(county_admin, tree, people):
    PersonFactory(name="张秀英", home_org=tree.village_a2)
    assert titles(county_admin, "zhang", "people") == ["张秀英"]
    assert titles(county_admin, "zxy", "people") == ["张秀英"]
    assert titles(county_admin, "lqs", "people") == ["李青山"]


def test_a_village_secretary_never_sees_another_townships_people(
        village_secretary, other_village_secretary, people):
    # 赵白水 lives in 白水村 (白水乡): the 青山村 secretary finds nobody, his own one finds him.
    assert titles(village_secretary, "zhao", "people") == []
    assert titles(village_secretary, "baishui", "orgs") == []
    assert titles(other_village_secretary, "zhao", "people") == ["赵白水"]
    assert titles(village_secretary, "liqingshan", "people") == ["李青山"]


def test_an_outsider_finds_nothing(outsider, people):
    assert all(results.total == 0 for _, results in run_search(outsider, "q", 20))


def test_pairings_and_needs_are_found_through_their_orgs_keys_in_scope(
        county_admin, other_village_secretary, tree):
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(2026, 1, 1))
    Need.objects.create(village_org=tree.village_a1, title="电商培训", description="-",
                        deadline=datetime.date(2026, 12, 31))
    assert titles(county_admin, "qsc", "pairings") == [str(pairing)]
    assert titles(county_admin, "xnync", "pairings") == [str(pairing)]  # 县农业农村局
    assert titles(county_admin, "qingshan", "needs") == ["电商培训"]
    assert titles(county_admin, "电商", "needs") == ["电商培训"]
    assert titles(other_village_secretary, "qsc", "pairings") == []
    assert titles(other_village_secretary, "电商", "needs") == []


# --- pages --------------------------------------------------------------------------------

def test_results_page_groups_hits_by_kind_with_counts_and_links(client, county_admin, tree,
                                                                people):
    client.force_login(county_admin)
    response = client.get(SEARCH, {"q": "qingshan"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "组织" in page and "人员" in page and "结对关系" in page and "需求" in page
    assert reverse("portal:org_detail", args=[tree.village_a1.pk]) in page
    assert reverse("portal:person_detail", args=[people.a1.pk]) in page
    groups = dict((s.key, r.total) for s, r in response.context["groups"])
    assert groups["orgs"] == 2  # 青山镇 and 青山村
    assert groups["people"] == 1
    assert response.context["total"] == 3


def test_the_drop_down_shows_top_hits_and_nothing_for_a_blank_query(client, county_admin,
                                                                    tree):
    client.force_login(county_admin)
    page = client.get(SUGGEST, {"q": "qsc"}).content.decode()
    assert "青山村" in page and "查看全部结果" in page
    assert client.get(SUGGEST, {"q": "  "}).content.decode().strip() == ""
    assert "没有找到" in client.get(SUGGEST, {"q": "xyzxyz"}).content.decode()


def test_the_results_page_says_when_it_shows_only_the_first_hits(client, county_admin, tree):
    bulk_people(**{f"p{i}": {"name": f"张{i}", "home_org": tree.village_a1} for i in range(25)})
    client.force_login(county_admin)
    response = client.get(SEARCH, {"q": "zhang"})
    people = dict(response.context["groups"])[next(s for s, _ in response.context["groups"]
                                                    if s.key == "people")]
    assert people.total == 20 and people.more
    assert "仅显示前 20 条" in response.content.decode()


def test_the_navbar_has_the_search_box(client, village_secretary):
    client.force_login(village_secretary)
    page = client.get(reverse("portal:home")).content.decode()
    assert f'hx-get="{SUGGEST}"' in page and f'action="{SEARCH}"' in page


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [SEARCH, SUGGEST])
def test_one_query_per_source_whatever_the_number_of_rows(client, county_admin, tree, url):
    client.force_login(county_admin)
    client.get(reverse("portal:home"))
    small = _count(client, url, {"q": "qingshan"})
    villages = [add_org(tree.town_a, f"青山{i}村", "village") for i in range(8)]
    bulk_people(**{f"p{i}": {"name": f"青山{i}", "home_org": villages[i % 8]}
                   for i in range(30)})
    for village in villages:
        Pairing.objects.create(city_org=tree.unit, village_org=village,
                               since=datetime.date(2026, 1, 1))
        Need.objects.create(village_org=village, title="培训", description="-",
                            deadline=datetime.date(2026, 12, 31))
    assert _count(client, url, {"q": "qingshan"}) == small


def test_a_kind_with_more_hits_links_to_its_own_page_of_all_of_them(client, county_admin, tree):
    bulk_people(**{f"p{i}": {"name": f"张{i}", "home_org": tree.village_a1} for i in range(25)})
    client.force_login(county_admin)
    page = client.get(SEARCH, {"q": "zhang"}).content.decode()
    assert "查看全部人员" in page and "kind=people" in page
    response = client.get(SEARCH, {"q": "zhang", "kind": "people"})
    assert [s.key for s, _ in response.context["groups"]] == ["people"]
    assert len(response.context["groups"][0][1].hits) == 25
    assert "返回全部类别" in response.content.decode()
    # an unknown kind is ignored: every kind, first hits only
    response = client.get(SEARCH, {"q": "zhang", "kind": "<x>"})
    assert len(response.context["groups"]) > 1 and response.context["kind"] == ""
