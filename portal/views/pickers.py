"""The pickers' suggestions (portal.widgets): organizations or people matching what was typed
(Chinese, pinyin or initials, or an organization code), within the user's scope and the
field's signed spec. JSON: {"results": [{"id", "label", "detail"}], "total"}."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse

from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.search import clean_query, counted_hits, name_q
from portal.widgets import PERSON_FLAGS, read_spec

LIMIT = 10
_KIND_LABELS = dict(OrgKind.choices)


def _answer(results):
    response = JsonResponse({"results": results.hits, "total": results.total})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def pick_org(request):
    text = clean_query(request.GET.get("q"))
    spec = read_spec(request.GET.get("s"))
    rows = Organization.objects.visible_to(request.user)
    if spec.get("k"):
        rows = rows.filter(kind__in=[kind for kind in spec["k"] if kind in _KIND_LABELS])
    if spec.get("p"):
        rows = rows.filter(path__startswith=spec["p"])
    if spec.get("a"):
        rows = rows.filter(is_active=True)
    if not text:
        return _answer(counted_hits(rows.none(), LIMIT, None))
    rows = (rows.filter(name_q(text) | Q(code__iexact=text))
            .with_township_name().order_by("path")
            .only("id", "name", "kind", "path"))
    return _answer(counted_hits(rows, LIMIT, lambda org: {
        "id": org.pk, "label": org.name,
        "detail": "　".join(filter(None, [
            _KIND_LABELS.get(org.kind, ""),
            org.township_name if org.township_name != org.name else ""]))}))


@login_required
def pick_person(request):
    text = clean_query(request.GET.get("q"))
    spec = read_spec(request.GET.get("s"))
    rows = Person.objects.visible_to(request.user)
    flags = [flag for flag in spec.get("f", []) if flag in PERSON_FLAGS]
    if flags:
        rows = rows.filter(**{flag: True for flag in flags})
    if spec.get("p"):
        rows = rows.filter(home_org__path__startswith=spec["p"])
    if not text:
        return _answer(counted_hits(rows.none(), LIMIT, None))
    rows = (rows.filter(name_q(text)).select_related("home_org")
            .order_by("name", "home_org__path", "id")
            .only("id", "name", "position", "home_org__name"))
    return _answer(counted_hits(rows, LIMIT, lambda person: {
        "id": person.pk, "label": person.name,
        "detail": "　".join(filter(None, [person.home_org.name, person.position]))}))
