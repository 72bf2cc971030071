"""The alliance structure (x+x+x): the tree per township, the county overview, the list,
each alliance's page, and the forms and actions that found, edit, grow and close alliances.

Pages fetch through `Alliance.objects.visible_to(user)` (404 outside the scope) and check
`alliance.manage` on the owner (403); every write goes through alliances.services.structure
and the generic views (portal.views.generic), which show the services' refusals.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Q, Value, When
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from alliances import stars as star_rules
from alliances.filters import AllianceFilterSet, visible_owners
from alliances.forms.structure import (
    AddMembersForm,
    AllianceCreateForm,
    AllianceEditForm,
    CloseAllianceForm,
    RemoveMemberForm,
)
from alliances.hooks import COUNTED_ACTIVITY_STATUSES
from alliances.models import (
    Alliance,
    AllianceKind,
    AllianceType,
    MeetingStatus,
    Membership,
    OwnerMemberTally,
    ReviewStatus,
)
from alliances.services import charity
from alliances.services import stars as star_services
from alliances.services import structure as services
from pairing.models import Need
from portal.models.orgs import OrgKind
from portal.scope import has_capability, scope_holds_every_org, scope_q
from portal.views.common import paginate, query_without_page
from portal.views.generic import FilteredListView, ObjectActionView, ServiceFormView

VIEW, MANAGE = "alliance.view", "alliance.manage"
RECENT_ACTIVITIES = 10
NEEDS_SHOWN = 10
CURRENT_MEMBERS = Count("memberships", filter=Q(memberships__left_on__isnull=True))
RECENT_MEETINGS = 5
# (label, URL name taking the alliance's pk, Bootstrap icon) of the alliance's work areas.
WORK_LINKS = [
    ("项目清单", "alliances:alliance_projects", "list-check"),
    ("季度晾晒", "alliances:showcase_alliance", "bar-chart"),
    ("星级", "alliances:star_history", "star"),
    ("例会与观摩", "alliances:meeting_list", "people"),
    ("轮办顺序", "alliances:rotation", "arrow-repeat"),
    ("述职互评", "alliances:review_list", "clipboard-data"),
    ("服务清单", "alliances:alliance_menu", "card-checklist"),
    ("微心愿", "alliances:alliance_wishes", "gift"),
    ("联盟阵地", "alliances:alliance_venues", "building"),
    ("联盟党员", "alliances:alliance_people", "person-badge"),
    ("导师传帮带", "alliances:mentor_list", "person-video3"),
    ("本土专家", "alliances:expert_list", "mortarboard"),
    ("党员发展", "alliances:development", "flag"),
]


def _require_view(user):
    if not has_capability(user, VIEW):
        raise PermissionDenied("您没有查看党建联盟的权限。")


def _nodes(user, owner):
    """The owner's alliances the user sees, with type, leader and current member count."""
    return list(Alliance.objects.visible_to(user).filter(owner=owner)
                .select_related("type", "leader", "lead_org")
                .annotate(member_count=CURRENT_MEMBERS).order_by("kind", "name", "id"))


@login_required
def structure(request):
    """联盟架构: one township's tree — core → area alliances, task alliances beside."""
    user = request.user
    _require_view(user)
    owners = list(visible_owners(user))
    chosen = request.GET.get("township", "")
    owner = next((o for o in owners if str(o.pk) == chosen), owners[0] if owners else None)
    alliances = _nodes(user, owner) if owner else []
    warnings = services.formation_warnings_for(alliances)
    for alliance in alliances:
        alliance.warnings = warnings[alliance.pk]
        alliance.tree_children = []
    by_pk = {a.pk: a for a in alliances}
    roots, tasks, closed = [], [], []
    for alliance in alliances:
        if not alliance.is_open:
            closed.append(alliance)
        elif alliance.kind == AllianceKind.TASK:
            tasks.append(alliance)
        elif alliance.parent_id in by_pk:
            by_pk[alliance.parent_id].tree_children.append(alliance)
        else:
            roots.append(alliance)
    roots.sort(key=lambda a: (a.kind != AllianceKind.CORE, a.name))
    return render(request, "alliances/structure/structure.html", {
        "owners": owners, "owner": owner, "roots": roots, "tasks": tasks, "closed": closed,
        "can_manage": owner is not None and has_capability(user, MANAGE, owner),
        "types": AllianceType.objects.all(),
    })


# A city-scale county has 250 townships: the overview lists them a page at a time (the whole
# table was 109 KB of the page); the total row still covers every township.
OVERVIEW_TOWNSHIPS_PER_PAGE = 25


def _open_alliances_seen_by(user):
    """The open alliances the user sees. A scope of the whole tree sees every alliance, with
    no scope filter: the member count joined a city's 12,000 memberships with the alliances
    of the tree's scope (11 -> 3 ms)."""
    if scope_holds_every_org(user, VIEW):
        return Alliance.objects.open()
    return Alliance.objects.visible_to(user).open()


def _members_per_owner(user, visible):
    """{owner id: distinct current member organizations of its open alliances in `visible`}.
    A scope of the whole tree sees every open alliance: the counts are its members-per-owner
    tally's rows above zero (alliances.member_tally; a city's 6,000, where the memberships
    joined with their alliances and counted distinct were 12,000, 5-6 ms)."""
    if scope_holds_every_org(user, VIEW):
        return dict(OwnerMemberTally.objects.filter(alliances__gt=0).values_list("owner")
                    .annotate(n=Count("id")).order_by())
    return dict(Membership.objects.current().filter(alliance__in=visible)
                .values_list("alliance__owner").annotate(n=Count("org", distinct=True))
                .order_by())


def _overview_counts(visible):
    """{owner id: {"types": {type id: n}, "kinds": {kind: n}, "total": n}} of open alliances."""
    counts = {}
    for owner_id, type_id, kind, n in (visible.values_list("owner", "type", "kind")
                                       .annotate(n=Count("id")).order_by()):
        row = counts.setdefault(owner_id, {"types": {}, "kinds": {}, "total": 0})
        row["types"][type_id] = row["types"].get(type_id, 0) + n
        row["kinds"][kind] = row["kinds"].get(kind, 0) + n
        row["total"] += n
    return counts


def _overview_row(counts, members, types, kinds, owner_id):
    """One township's figures: by type, by kind, total and distinct member organizations."""
    row = counts.get(owner_id, {"types": {}, "kinds": {}, "total": 0})
    return {"types": [row["types"].get(t.pk, 0) for t in types],
            "kinds": [row["kinds"].get(k, 0) for k in kinds],
            "total": row["total"], "members": members.get(owner_id, 0)}


@login_required
def overview(request):
    """联盟总览: townships × open alliances by type and by kind, with their member counts; the
    townships a page at a time, the total row over all of them (a constant number of queries)."""
    user = request.user
    _require_view(user)
    visible = _open_alliances_seen_by(user)
    types = list(AllianceType.objects.all())
    kinds = AllianceKind.values  # an enum's values are rebuilt on every access: read them once
    counts = _overview_counts(visible)
    members = _members_per_owner(user, visible)
    # Every owner of an open alliance is a visible owner, so the total sums the counts directly.
    totals = {"types": [0] * len(types), "kinds": [0] * len(kinds), "total": 0,
              "members": sum(members.values())}
    for owner_id in counts:
        row = _overview_row(counts, members, types, kinds, owner_id)
        totals["types"] = [a + b for a, b in zip(totals["types"], row["types"], strict=True)]
        totals["kinds"] = [a + b for a, b in zip(totals["kinds"], row["kinds"], strict=True)]
        totals["total"] += row["total"]
    page = paginate(request, list(visible_owners(user)), per_page=OVERVIEW_TOWNSHIPS_PER_PAGE)
    rows = [{"owner": owner, **_overview_row(counts, members, types, kinds, owner.pk)}
            for owner in page.object_list]
    return render(request, "alliances/structure/overview.html", {
        "types": types, "kinds": AllianceKind.choices, "rows": rows, "totals": totals,
        "page": page, "query_string": query_without_page(request),
        "can_manage": has_capability(user, MANAGE),
    })


class AllianceListView(FilteredListView):
    queryset = (Alliance.objects.select_related("type", "owner", "leader", "parent")
                .with_member_count().order_by("owner__path", "kind", "name"))
    list_capability = VIEW
    denied_message = "您没有查看党建联盟的权限。"
    filterset_class = AllianceFilterSet
    template_name = "alliances/structure/list.html"
    table_template = "alliances/structure/_table.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_manage=has_capability(self.request.user, MANAGE),
                                        **kwargs)


def _needs_of_members(user, org_ids):
    """The member villages' open needs (the alliance's "needs of my alliance"), soonest
    deadline first, with their number and which ones the user may open (two queries)."""
    needs = (Need.objects.open().filter(village_org_id__in=org_ids,
                                        village_org__kind=OrgKind.VILLAGE,
                                        deadline__gte=timezone.localdate()))
    in_scope = scope_q(user, "need.view", "village_org__path")
    openable = (Case(When(in_scope, then=Value(True)), default=Value(False)) if in_scope
                else Value(True))
    shown = list(needs.select_related("village_org").annotate(openable=openable)
                 .order_by("deadline", "id")[:NEEDS_SHOWN])
    return shown, needs.count()


@login_required
def alliance_detail(request, pk):
    user = request.user
    alliance = get_object_or_404(
        Alliance.objects.visible_to(user).select_related(
            "type", "owner", "parent", "lead_org", "leader__home_org", "created_by"), pk=pk)
    memberships = list(alliance.memberships.select_related("org", "added_by")
                       .order_by("org__path", "joined_on", "id"))
    current = [m for m in memberships if m.left_on is None]
    former = sorted((m for m in memberships if m.left_on is not None),
                    key=lambda m: m.left_on, reverse=True)
    children = list(alliance.children.select_related("type", "leader")
                    .annotate(member_count=CURRENT_MEMBERS).order_by("name"))
    activities = list(alliance.activities.filter(status__in=COUNTED_ACTIVITY_STATUSES)
                      .select_related("org").order_by("-date", "-id")[:RECENT_ACTIVITIES])
    needs, needs_total = _needs_of_members(user, [m.org_id for m in current])
    can_manage = has_capability(user, MANAGE, alliance.owner)
    today = timezone.localdate()
    year, quarter = star_rules.quarter_of(today)
    rating = star_services.current_stars([alliance.pk], year, quarter).get(alliance.pk)
    meetings = list(alliance.meetings.exclude(status=MeetingStatus.CANCELLED)
                    .select_related("host_org").order_by("-starts_at", "-id")[:RECENT_MEETINGS])
    review = (alliance.reviews.filter(status=ReviewStatus.CLOSED).order_by("-year").first())
    return render(request, "alliances/structure/detail.html", {
        "alliance": alliance, "current": current, "former": former, "children": children,
        "warnings": services.formation_warnings(alliance), "activities": activities,
        "needs": needs, "needs_total": needs_total, "can_manage": can_manage,
        "can_close": can_manage and alliance.is_open and alliance.kind == AllianceKind.TASK,
        "today": today, "task_min": services.task_min_members(),
        "max_members": services.max_members(),
        "close_form": CloseAllianceForm(initial={"closed_at": today}),
        "work_links": WORK_LINKS, "rating": rating, "quarter": (year, quarter),
        "rating_stars": star_services.stars_text(rating.stars) if rating else "",
        "meetings": meetings, "review": review,
        "charity_missed": charity.missed_months(alliance, today.year, today),
    })


class AllianceCreateView(ServiceFormView):
    capability = MANAGE
    denied_message = "只有县委组织部或乡镇管理员可以组建党建联盟。"
    form_class = AllianceCreateForm
    form_takes_user = True
    title = "组建党建联盟"
    submit_label = "组建"
    service = services.do_create_alliance
    success_message = "已组建“{result.name}”，请添加成员组织。"

    def get_cancel_url(self, obj):
        return reverse("alliances:structure")

    def get_success_url(self, obj, result):
        return reverse("alliances:member_add", args=[result.pk])


class AllianceObjectMixin:
    queryset = Alliance.objects.select_related("owner", "type")
    capability = MANAGE
    denied_message = "只有县委组织部或本乡镇管理员可以管理该联盟。"

    def capability_orgs(self, obj):
        return [obj.owner]

    def refusal(self, obj):
        return "" if obj.is_open else "该联盟已结束，不能再修改。"


class AllianceEditView(AllianceObjectMixin, ServiceFormView):
    form_class = AllianceEditForm
    form_takes_user = True
    title = "修改“{obj.name}”"
    service = services.do_update_alliance
    success_message = "已保存“{obj.name}”。"

    def extra_form_kwargs(self, obj):
        return {"alliance": obj}


class MemberAddView(AllianceObjectMixin, ServiceFormView):
    """添加成员: several organizations at once, found by name in big scopes."""

    form_class = AddMembersForm
    form_takes_user = True
    template_name = "alliances/structure/members_add.html"
    title = "添加成员 · {obj.name}"
    submit_label = "加入联盟"
    service = services.do_add_members

    def extra_form_kwargs(self, obj):
        return {"alliance": obj}

    def get_success_message(self, obj, result):
        return f"已有 {len(result)} 个组织加入“{obj.name}”。"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = self.request.GET.get("q", "").strip()[:50]
        candidates, more = context["form"].shown_candidates(search)
        form = context["form"]
        chosen = {str(v) for v in (form.data.getlist("orgs") if form.is_bound else [])}
        context.update(candidates=candidates, more=more, search=search, chosen=chosen,
                       kind_labels=dict(OrgKind.choices), task_min=services.task_min_members(),
                       is_task=context["object"].kind == AllianceKind.TASK)
        return context


class MemberRemoveView(ObjectActionView):
    queryset = Membership.objects.select_related("alliance__owner", "org")
    capability = MANAGE
    denied_message = "只有县委组织部或本乡镇管理员可以调整联盟成员。"
    form_class = RemoveMemberForm
    service = services.do_remove_member
    error_prefix = "未能退出："
    success_message = "{obj.org.name}已退出“{obj.alliance.name}”（记录保留在历史成员中）。"

    def capability_orgs(self, obj):
        return [obj.alliance.owner]

    def get_success_url(self, obj, result):
        return obj.alliance.get_absolute_url() + "#members"

    def get_failure_url(self, obj):
        return obj.alliance.get_absolute_url() + "#members"


class AllianceCloseView(AllianceObjectMixin, ObjectActionView):
    form_class = CloseAllianceForm
    service = services.do_close_alliance
    error_prefix = "未能结束联盟："
    success_message = "“{obj.name}”已结束。"
