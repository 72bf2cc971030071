"""Breadcrumbs: one shared tag, and every detail page shows where it sits."""

from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from portal.models import Job

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# alliances' pages are another piece of work; print templates have no navigation.
NOT_CHECKED = ("alliances/", "pdf/")


def render(text, **context):
    return Template("{% load portal_tags %}" + text).render(Context(context))


def test_the_tag_links_url_names_objects_and_paths_and_ends_with_the_page(tree):
    html = render('{% breadcrumbs "人员" "portal:person_list" org.name org "组" "" "本页" %}',
                  org=tree.village_a1)
    assert f'<a href="{reverse("portal:person_list")}">人员</a>' in html
    assert f'<a href="{reverse("portal:org_detail", args=[tree.village_a1.pk])}">青山村</a>' in html
    assert '<li class="breadcrumb-item">组</li>' in html
    assert 'aria-current="page">本页</li>' in html


def test_every_detail_page_has_breadcrumbs():
    missing = [str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*detail*.html")
               if not path.name.startswith("_")
               and not str(path.relative_to(TEMPLATES)).startswith(NOT_CHECKED)
               and "breadcrumb" not in path.read_text()]
    assert not missing, f"detail pages without breadcrumbs: {missing}"


def test_person_page_crumbs_lead_to_the_list_and_the_home_org(client, county_admin, tree,
                                                              people):
    client.force_login(county_admin)
    page = client.get(reverse("portal:person_detail", args=[people.a1.pk])).content.decode()
    assert 'aria-label="breadcrumb"' in page
    assert f'<a href="{reverse("portal:org_detail", args=[tree.village_a1.pk])}">青山村</a>' in page


def test_job_page_crumbs_lead_to_my_jobs(client, village_secretary, tree):
    job = Job.objects.create(owner=village_secretary, scope_org=tree.village_a1,
                             kind="export.people", title="人员导出")
    client.force_login(village_secretary)
    page = client.get(reverse("portal:job_detail", args=[job.uuid])).content.decode()
    assert f'<a href="{reverse("portal:job_list")}">我的任务</a>' in page
    assert 'aria-current="page">人员导出</li>' in page
