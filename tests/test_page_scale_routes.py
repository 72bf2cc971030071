"""benchmarks/page_scale.py's pages still exist: on the small demo county every page of every
demo role finds its object and answers 200, so the city-scale benchmark does not rot quietly
into skipping pages when a URL or a permission changes."""

import importlib.util
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "page_scale.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("page_scale", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


page_scale = load_benchmark()


@pytest.fixture
def data(small_county, db):
    return small_county


@pytest.mark.parametrize("role", page_scale.ROLES)
def test_every_page_of_the_role_answers(data, role):
    user = get_user_model().objects.get(username=role)
    client = Client()
    client.force_login(user)
    pages = page_scale.pages_for(role, user, page_scale.find_objects(user))
    assert len(pages) > 5
    failures = []
    for label, url, params in pages:
        if url is None:
            failures.append((label, "no object"))
            continue
        response, *_ = page_scale.open_page(client, url, params)
        if response.status_code != 200:
            failures.append((label, url, response.status_code))
    assert failures == []


def test_detail_pages_name_demo_roles_only():
    for label, _, roles in page_scale.DETAIL_PAGES:
        assert roles and set(roles) <= set(page_scale.ROLES), label
