"""Organization tree pages: browse, search, detail, create, edit, move."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import Substr
from django.shortcuts import redirect, render

from portal import services
from portal.forms import MoveOrgForm, OrganizationForm
from portal.models import Organization, Person, RoleAssignment
from portal.models.orgs import OrgKind
from portal.scope import has_capability, require, scope_paths
from portal.views.common import paginate, query_without_page, visible_or_404


def _subtree_counts(parent_path, depth):
    """{child path prefix: {kind: count}} for all descendants, in one grouped query."""
    width = (depth + 1) * Organization.steplen
    rows = (
        Organization.objects.filter(path__startswith=parent_path, depth__gt=depth + 1)
        .annotate(prefix=Substr("path", 1, width)).values("prefix", "kind")
        .annotate(n=Count("id")).order_by()
    )
    counts = {}
    for row in rows:
        counts.setdefault(row["prefix"], {})[row["kind"]] = row["n"]
    return counts


def _people_counts(parent_path, depth):
    width = (depth + 1) * Organization.steplen
    rows = (
        Person.objects.filter(home_org__path__startswith=parent_path, is_active=True)
        .annotate(prefix=Substr("home_org__path", 1, width)).values("prefix")
        .annotate(n=Count("id")).order_by()
    )
    return {row["prefix"]: row["n"] for row in rows}


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
        sub_counts = _subtree_counts(node.path, node.depth)
        people_counts = _people_counts(node.path, node.depth)
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


@login_required
def org_detail(request, pk):
    org = visible_or_404(Organization.objects.select_related("secretary"), request.user, pk=pk)
    history = list(org.history.select_related("history_user").order_by("-history_date")[:10])
    roles = RoleAssignment.objects.active().filter(org=org).select_related("user")
    return render(request, "portal/orgs/detail.html", {
        "org": org,
        "ancestors": _visible_ancestors(org, request.user),
        "people_count": Person.objects.filter(home_org__path__startswith=org.path).count(),
        "children_count": org.numchild,
        "history": history,
        "roles": roles if has_capability(request.user, "role.manage", org) else None,
        "can_change": has_capability(request.user, "org.change", org),
    })


@login_required
def org_create(request, parent_pk):
    parent = visible_or_404(Organization.objects, request.user, pk=parent_pk)
    require(request.user, "org.change", parent)
    form = OrganizationForm(request.POST or None, user=request.user, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.do_create_org(parent, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新建组织“{org.name}”。")
            return redirect("portal:org_detail", pk=org.pk)
    return render(request, "portal/orgs/form.html",
                  {"form": form, "parent": parent, "title": f"在“{parent.name}”下新建组织"})


@login_required
def org_edit(request, pk):
    org = visible_or_404(Organization.objects, request.user, pk=pk)
    require(request.user, "org.change", org)
    form = OrganizationForm(request.POST or None, instance=org, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
        try:
            services.do_update_org(Organization.objects.get(pk=org.pk), actor=request.user,
                                   **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("portal:org_detail", pk=org.pk)
    return render(request, "portal/orgs/form.html",
                  {"form": form, "org": org, "title": f"编辑“{org.name}”"})


@login_required
def org_move(request, pk):
    org = visible_or_404(Organization.objects, request.user, pk=pk)
    require(request.user, "org.change", org)
    form = MoveOrgForm(request.POST or None, user=request.user, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_move_org(org, form.cleaned_data["new_parent"], actor=request.user,
                                 request=request)
        except ValidationError as exc:
            form.add_error("new_parent", exc)
        else:
            messages.success(request, f"已将“{org.name}”移至“{form.cleaned_data['new_parent']}”。")
            return redirect("portal:org_detail", pk=org.pk)
    return render(request, "portal/orgs/move.html", {"form": form, "org": org})
