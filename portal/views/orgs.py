"""Organization tree pages: browse, search, detail, create, edit, move."""

import copy

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.shortcuts import redirect, render
from django.urls import reverse

from portal import services
from portal.dashboard import sections_for
from portal.forms import MoveOrgForm, OrganizationForm
from portal.models import Organization, OrgPeopleTally, Person, RoleAssignment
from portal.models.orgs import OrgKind
from portal.scope import has_capability, scope_paths, under_any_path
from portal.views.common import paginate, query_without_page, visible_or_404
from portal.views.generic import ServiceFormView


def _subtree_counts(children):
    """{child path: {kind: count}} of the descendants of `children` (a page of one node's
    children), in one grouped query that reads only their subtrees, not the node's: the
    county has 250 townships at city scale and a page shows 50."""
    if not children:
        return {}
    width = len(children[0].path)
    rows = (
        Organization.objects.filter(under_any_path("path", [c.path for c in children]),
                                    depth__gt=children[0].depth)
        .annotate(prefix=Substr("path", 1, width)).values("prefix", "kind")
        .annotate(n=Count("id")).order_by()
    )
    counts = {}
    for row in rows:
        counts.setdefault(row["prefix"], {})[row["kind"]] = row["n"]
    return counts


def _people_counts(children):
    """{child path: active people at or below it} for a page of children, in one grouped
    query over their subtrees' people tallies (one row per organization, not per person:
    50 townships' ~37,000 people at city scale)."""
    if not children:
        return {}
    width = len(children[0].path)
    rows = (
        OrgPeopleTally.objects.filter(under_any_path("org__path", [c.path for c in children]))
        .annotate(prefix=Substr("org__path", 1, width)).values("prefix")
        .annotate(n=Sum("active")).order_by()
    )
    return {row["prefix"]: row["n"] for row in rows}


def _people_at_or_below(org):
    """Everyone (在册 or not) whose home organization is `org` or below it, from the people
    tallies of its subtree (a city's county: 5,811 rows instead of 154,500 people)."""
    return (OrgPeopleTally.objects.filter(org__path__startswith=org.path)
            .aggregate(n=Sum("people"))["n"] or 0)


def _visible_ancestors(org, user):
    paths = org.ancestors_and_self_paths()[:-1]
    return list(Organization.objects.filter(path__in=paths).visible_to(user).order_by("path"))


def _top_orgs(user):
    """The roots of what the user may see: the county for county roles, else their orgs."""
    paths = scope_paths(user, "org.view")
    if paths is None:
        return Organization.objects.filter(depth=1)
    return Organization.objects.filter(path__in=paths)


@login_required
def org_tree(request, pk=None):
    query = request.GET.get("q", "").strip()
    visible = Organization.objects.visible_to(request.user)
    if query:
        results = visible.search(query).order_by("path")
        page = paginate(request, results)
        return render(request, "portal/orgs/search.html",
                      {"query": query, "page": page, "query_string": query_without_page(request)})
    if pk is None:
        tops = list(_top_orgs(request.user)[:2])
        if len(tops) == 1:
            return redirect("portal:org_tree_node", pk=tops[0].pk)
        node, children = None, _top_orgs(request.user)
    else:
        node = visible_or_404(Organization.objects, request.user, pk=pk)
        children = visible.filter(path__startswith=node.path, depth=node.depth + 1)
    children = children.select_related("secretary").order_by("path")
    kind = request.GET.get("kind", "")
    if kind in OrgKind.values:
        children = children.filter(kind=kind)
    page = paginate(request, children)
    sub_counts, people_counts = {}, {}
    if node is not None:
        sub_counts = _subtree_counts(page.object_list)
        people_counts = _people_counts(page.object_list)
    rows = [
        {"org": child,
         "villages": sub_counts.get(child.path, {}).get(OrgKind.VILLAGE, 0),
         "descendants": sum(sub_counts.get(child.path, {}).values()),
         "people": people_counts.get(child.path, 0)}
        for child in page
    ]
    ancestors = _visible_ancestors(node, request.user) if node else []
    return render(request, "portal/orgs/tree.html", {
        "node": node, "ancestors": ancestors, "rows": rows, "page": page,
        "kind": kind, "kinds": OrgKind.choices, "query_string": query_without_page(request),
        "can_change": node is not None and has_capability(request.user, "org.change", node),
    })


def _account_name(user):
    """A person's name for an account (its Person, else its full name), never the login name."""
    if user is None:
        return "系统"
    person = getattr(user, "person", None)
    if person is not None:
        return person.name
    return user.get_full_name() or "未关联人员的账号"


def _role_holders(org, user):
    """[(role assignment, person or None)] of the org's active roles; a person is linked only
    when the viewer may see them."""
    assignments = list(RoleAssignment.objects.active().filter(org=org)
                       .select_related("user__person").order_by("role", "id"))
    people = [getattr(a.user, "person", None) for a in assignments]
    visible = set(Person.objects.visible_to(user).filter(
        pk__in=[p.pk for p in people if p is not None]).values_list("pk", flat=True))
    return [{"role": a.role, "person": p, "name": _account_name(a.user),
             "linked": p is not None and p.pk in visible}
            for a, p in zip(assignments, people, strict=True)]


@login_required
def org_detail(request, pk):
    """The organization's hub: its data, role holders by name, and a card per app
    (pairings, needs, ledger, alliances, scores) from `sections_for(request, "org", org)`."""
    org = visible_or_404(Organization.objects.select_related("secretary"), request.user, pk=pk)
    history = list(org.history.select_related("history_user__person")
                   .order_by("-history_date")[:10])
    for entry in history:
        entry.actor_name = _account_name(entry.history_user)
    return render(request, "portal/orgs/detail.html", {
        "org": org,
        "ancestors": _visible_ancestors(org, request.user),
        "people_count": _people_at_or_below(org),
        "children_count": org.numchild,
        "history": history,
        "holders": _role_holders(org, request.user),
        "can_manage_roles": has_capability(request.user, "role.manage", org),
        "can_change": has_capability(request.user, "org.change", org),
        "sections": sections_for(request, "org", org),
    })


class OrgPageMixin:
    """An organization is its own scope: the capability is checked on the org itself."""

    queryset = Organization.objects.all()
    capability = "org.change"
    form_takes_user = True

    def capability_orgs(self, obj):
        return [obj]


class OrgCreateView(OrgPageMixin, ServiceFormView):
    """A new organization under the one the URL names."""

    pk_url_kwarg = "parent_pk"
    form_class = OrganizationForm
    service = services.do_create_org
    title = "在“{obj.name}”下新建组织"
    success_message = "已新建组织“{result.name}”。"

    def extra_form_kwargs(self, obj):
        return {"parent": obj}

    def get_cancel_url(self, obj):
        return reverse("portal:org_tree_node", args=[obj.pk])


class OrgEditView(OrgPageMixin, ServiceFormView):
    form_class = OrganizationForm
    service = services.do_update_org
    title = "编辑“{obj.name}”"
    success_message = "已保存。"

    def extra_form_kwargs(self, obj):
        # The form edits a copy: the service compares the stored values with the new ones.
        return {"instance": copy.copy(obj)}

    def service_kwargs(self, form):
        return {k: v for k, v in form.cleaned_data.items() if k != "kind"}


class OrgMoveView(OrgPageMixin, ServiceFormView):
    template_name = "portal/orgs/move.html"
    form_class = MoveOrgForm
    service = services.do_move_org
    title = "调整“{obj.name}”的隶属关系"
    submit_label = "移动"

    def extra_form_kwargs(self, obj):
        return {"org": obj}

    def get_success_message(self, obj, result):
        return f"已将“{obj.name}”移至“{self.new_parent}”。"

    def service_kwargs(self, form):
        self.new_parent = form.cleaned_data["new_parent"]
        return dict(form.cleaned_data)
