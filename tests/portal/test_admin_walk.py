"""Django admin: every model is registered, every admin page answers for a superuser with a
bounded number of queries on a seeded county, names are shown instead of login names, and
audit rows are view-only."""

import re
from html import unescape

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import AuditEvent, GeneratedFile, Job, Organization, Person
from tests.factories import UserFactory

OUR_APPS = ["portal", "pairing", "ledger", "alliances", "assessment"]
MAX_QUERIES = 25
PICKED_BY_AUTOCOMPLETE = {Organization, Person, get_user_model()}


def our_models():
    return [model for app in OUR_APPS for model in apps.get_app_config(app).get_models()
            if not model.__name__.startswith("Historical")]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    return UserFactory(username="walker", first_name="巡检员", is_staff=True, is_superuser=True)


@pytest.fixture
def county(superuser):
    """The small demo county (county scale takes ~40 s to seed; small ~6 s), plus a row for
    each model the seed leaves empty, so every changelist and change page has a row."""
    call_command("seed_demo", "--scale", "small", "--reset", verbosity=0)
    org = Organization.objects.get(depth=1)
    owner = get_user_model().objects.get(username="county_admin")
    output = GeneratedFile.objects.create(owner=owner, scope_org=org, file="generated/x.xlsx",
                                          filename="人员名册.xlsx", mimetype="application/xlsx")
    Job.objects.create(owner=owner, scope_org=org, kind="people", title="导出人员名册",
                       output=output)
    AuditEvent.objects.create(actor=owner, actor_name=owner.username, action="export",
                              summary="导出人员名册")


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    return response, len(ctx.captured_queries)


def result_cells(response):
    """The text of every cell of a changelist's result table, but free-text columns (an audit
    summary quotes the login name written at the time)."""
    html = response.content.decode()
    table = re.search(r'<table id="result_list">(.*?)</table>', html, re.S)
    if table is None:
        return []
    cells = re.findall(r'<t[dh] class="([^"]*)"[^>]*>(.*?)</t[dh]>', table.group(1), re.S)
    return [unescape(re.sub(r"<[^>]+>", "", text)).strip() for css, text in cells
            if "field-summary" not in css.split()]


def test_every_model_is_registered_and_no_historical_model_separately():
    registered = set(admin.site._registry)
    assert [m.__name__ for m in our_models() if m not in registered] == []
    assert [m.__name__ for m in registered if m.__name__.startswith("Historical")] == []


def test_models_with_history_use_the_history_admin_and_audit_rows_are_view_only(superuser, rf):
    from simple_history.admin import SimpleHistoryAdmin

    for model in our_models():
        if hasattr(model._meta, "simple_history_manager_attribute"):
            assert isinstance(admin.site._registry[model], SimpleHistoryAdmin), model.__name__

    request = rf.get("/")
    request.user = superuser
    for model in (AuditEvent, apps.get_model("pairing", "ClaimEvent")):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_audit_rows_cannot_be_added_changed_or_deleted_in_admin(superuser, client):
    client.force_login(superuser)
    event = AuditEvent.objects.create(actor=superuser, actor_name=superuser.username,
                                      action="export", summary="导出人员名册")
    assert client.get(admin_url(AuditEvent, "change", event.pk)).status_code == 200
    assert client.get(admin_url(AuditEvent, "add")).status_code == 403
    response = client.post(admin_url(AuditEvent, "change", event.pk), {"summary": "改写"})
    assert response.status_code == 403
    assert client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code \
        == 403
    event.refresh_from_db()
    assert event.summary == "导出人员名册"


def test_orgs_people_and_users_are_picked_by_autocomplete(superuser, rf):
    request = rf.get("/")
    request.user = superuser
    raw = []
    for model in our_models():
        model_admin = admin.site._registry[model]
        if not model_admin.has_change_permission(request):
            continue  # view-only: no input boxes at all
        for field in model._meta.get_fields():
            if (field.is_relation and field.concrete and field.editable
                    and field.related_model in PICKED_BY_AUTOCOMPLETE
                    and field.name not in model_admin.autocomplete_fields):
                raw.append(f"{model.__name__}.{field.name}")
    assert raw == []


def test_axes_section_has_a_chinese_name(superuser, client):
    assert apps.get_app_config("axes").verbose_name == "登录安全"
    client.force_login(superuser)
    assert "登录安全" in client.get(reverse("admin:index")).content.decode()


def test_every_admin_page_answers_with_bounded_queries_on_a_seeded_county(
        county, superuser, client):
    """One walk over every registered admin (seeding once costs ~6 s; per test it would be
    minutes). Each changelist is also counted at one row per page: with list_select_related
    the count must not change with the rows shown, so it holds at county scale too."""
    client.force_login(superuser)
    client.get(reverse("admin:index"))  # session and content types warm, as in real use
    request = client.get(reverse("admin:index")).wsgi_request
    usernames = set(get_user_model().objects.exclude(first_name="")
                    .values_list("username", flat=True))
    failures = []

    def visit(label, url, params=None):
        response, queries = count_queries(client, url, params)
        if response.status_code != 200:
            failures.append(f"{label}: HTTP {response.status_code}")
        elif queries > MAX_QUERIES:
            failures.append(f"{label}: {queries} queries")
        return response, queries

    for model, model_admin in admin.site._registry.items():
        name = f"{model._meta.app_label}.{model.__name__}"
        changelist = admin_url(model, "changelist")
        response, queries = visit(f"{name} changelist", changelist)
        if model._meta.app_label in OUR_APPS:
            cells = result_cells(response)
            if not cells:
                failures.append(f"{name} changelist shows no rows")
            shown = [cell for cell in cells
                     if any(re.search(rf"(?<!\w){re.escape(u)}(?!\w)", cell, re.ASCII)
                            for u in usernames)]
            if shown:
                failures.append(f"{name} changelist shows login names: {shown[:3]}")
            per_page = model_admin.list_per_page
            model_admin.list_per_page = 1
            try:
                _, one_row = count_queries(client, changelist)
            finally:
                model_admin.list_per_page = per_page
            if one_row != queries:
                failures.append(f"{name} changelist: {queries} queries for a page of rows, "
                                f"{one_row} for one row")
        if model_admin.search_fields:
            visit(f"{name} search", changelist, {"q": "测试"})
        if model_admin.has_add_permission(request):
            visit(f"{name} add", admin_url(model, "add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            visit(f"{name} change", admin_url(model, "change", first.pk))
            visit(f"{name} history", admin_url(model, "history", first.pk))
        for field_name in model_admin.autocomplete_fields:
            visit(f"{name}.{field_name} autocomplete", reverse("admin:autocomplete"),
                  {"app_label": model._meta.app_label, "model_name": model._meta.model_name,
                   "field_name": field_name, "term": ""})

    assert failures == [], "\n".join(failures)
