"""People across the alliance: 联盟党员 (关系在支部、活动共参与), 导师传帮带, 本土专家服务团 and
党员发展指标.

Pages fetch the alliance through `Alliance.objects.visible_to(user)` (404 outside the scope);
rows of an alliance (pairs, experts, candidates) are found through the alliances the user sees.
Reading needs alliance.view; writing the pairs and the roster alliance.manage on the owner;
setting a quota alliance.manage on the county; the candidates' steps ask the services' `may_*`
before any form is read (403 first). Every write goes through the services and the generic
views.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from alliances.filters import visible_owners
from alliances.forms import people as forms
from alliances.membership import acting_orgs_q
from alliances.models import (
    Alliance,
    CandidateStage,
    DevelopmentCandidate,
    DevelopmentQuota,
    Expert,
    MentorPair,
)
from alliances.services import development, experts, mentors
from alliances.services import people as services
from alliances.services.stars import county_of
from pairing.models import Need
from portal.models import Organization
from portal.scope import has_capability, scope_q
from portal.views.common import paginate, query_without_page
from portal.views.generic import ObjectActionView, ServiceFormView

VIEW, MANAGE = services.VIEW, services.MANAGE
PEOPLE_PER_PAGE = 50
ROWS_PER_PAGE = 50
MANAGE_DENIED = "只有县委组织部或本乡镇管理员可以管理该联盟。"
STAGE_ORDER = Case(*[When(stage=stage, then=Value(i)) for i, stage in enumerate(
    CandidateStage.values)], output_field=IntegerField())


def _alliance(request, pk):
    return get_object_or_404(Alliance.objects.visible_to(request.user)
                             .select_related("owner", "type"), pk=pk)


def _require_view(user):
    if not has_capability(user, VIEW):
        raise PermissionDenied("您没有查看党建联盟的权限。")


class AllianceRowMixin:
    """A row of an alliance (pair, expert, candidate), found through the alliances the user
    sees (a member of a county task alliance finds its rows too; others get 404)."""

    def get_object(self):
        visible = Alliance.objects.visible_to(self.request.user).values("pk")
        return get_object_or_404(self.get_queryset().filter(alliance__in=visible),
                                 pk=self.kwargs[self.pk_url_kwarg])

    def capability_orgs(self, obj):
        return [obj.alliance.owner]


class PickerMixin:
    """Shows the form's person fields as a search (a GET parameter per field) and the first
    matches, instead of a drop-down of every person."""

    template_name = "alliances/people/person_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        pickers, searches = [], {}
        for name, param in form.picker_fields.items():
            search = self.request.GET.get(param, "").strip()[:50]
            searches[param] = search
            rows, more = services.picker_people(form.fields[name].queryset, search)
            value = form[name].value()
            pickers.append({"field": form[name], "param": param, "search": search,
                            "rows": rows, "more": more,
                            "chosen": str(value) if value not in (None, "") else ""})
        context.update(pickers=pickers, searches=searches,
                       others=[form[name] for name in form.fields
                               if name not in form.picker_fields])
        return context


# 联盟党员 ------------------------------------------------------------------------------------

@login_required
def alliance_people(request, pk):
    """联盟党员: the people of the current member organizations, each with the number of the
    alliance's counted activities they took part in this year (one grouped query per page)."""
    alliance = _alliance(request, pk)
    form = forms.PeopleSearchForm(request.GET or None, alliance=alliance)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    org = cleaned.get("org")
    people = services.people_filter(alliance, search=cleaned.get("q", ""),
                                    org_id=org.pk if org else None)
    page = paginate(request, people, PEOPLE_PER_PAGE)
    page.object_list = list(page.object_list)
    year = timezone.localdate().year
    counts = services.participation_counts(alliance, [p.pk for p in page.object_list], year)
    for person in page.object_list:
        person.activity_count = counts.get(person.pk, 0)
    return render(request, "alliances/people/people.html", {
        "alliance": alliance, "form": form, "page": page, "year": year,
        "query_string": query_without_page(request), "filtered": bool(cleaned.get("q") or org),
    })


# 导师传帮带 ----------------------------------------------------------------------------------

@login_required
def mentor_list(request, pk):
    alliance = _alliance(request, pk)
    page = paginate(request, mentors.pairs_of(alliance), ROWS_PER_PAGE)
    can_manage = services.manages(request.user, alliance)
    return render(request, "alliances/people/mentors.html", {
        "alliance": alliance, "page": page, "can_manage": can_manage and alliance.is_open,
        "today": timezone.localdate(), "query_string": query_without_page(request),
    })


def _mentors_url(alliance_id):
    return reverse("alliances:mentor_list", args=[alliance_id])


class AllianceManageFormView(PickerMixin, ServiceFormView):
    """A form under an open alliance, for its managers (alliance.manage on the owner)."""

    queryset = Alliance.objects.select_related("owner", "type")
    capability = MANAGE
    denied_message = MANAGE_DENIED

    def capability_orgs(self, obj):
        return [obj.owner]

    def extra_form_kwargs(self, obj):
        return {"alliance": obj}


class MentorAddView(AllianceManageFormView):
    form_class = forms.MentorPairForm
    service = mentors.add_mentor_pair
    title = "导师传帮带结对 · {obj.name}"
    submit_label = "结对"

    def refusal(self, obj):
        return "" if obj.is_open else "该联盟已结束，不能再结对。"

    def get_success_message(self, obj, result):
        return f"已结对：{result.mentor.name} 带 {result.mentee.name}。"

    def get_success_url(self, obj, result):
        return _mentors_url(obj.pk)

    def get_cancel_url(self, obj):
        return _mentors_url(obj.pk)


class MentorEndView(AllianceRowMixin, ObjectActionView):
    queryset = MentorPair.objects.select_related("alliance__owner", "mentor", "mentee")
    capability = MANAGE
    denied_message = MANAGE_DENIED
    form_class = forms.MentorEndForm
    service = mentors.end_mentor_pair
    error_prefix = "未能结束结对："
    success_message = "已结束 {obj.mentor.name} 与 {obj.mentee.name} 的结对。"

    def get_success_url(self, obj, result):
        return _mentors_url(obj.alliance_id)

    def get_failure_url(self, obj):
        return _mentors_url(obj.alliance_id)


# 本土专家服务团 ------------------------------------------------------------------------------

def _openable(user, needs):
    """Mark the needs the user may open (their detail page is scoped by the need board)."""
    query = scope_q(user, "need.view", "village_org__path")
    if not needs:
        return
    if query == Q():
        allowed = {need.pk for need in needs}
    else:
        allowed = set(Need.objects.filter(query, pk__in=[n.pk for n in needs])
                      .values_list("pk", flat=True))
    for need in needs:
        need.openable = need.pk in allowed


@login_required
def expert_list(request, pk):
    """本土专家服务团: the roster, and the member villages' open needs its experts match
    (可对接的需求) — a fixed number of queries however many experts and needs."""
    alliance = _alliance(request, pk)
    page = paginate(request, experts.roster(alliance), ROWS_PER_PAGE)
    page.object_list = list(page.object_list)
    active = list(Expert.objects.filter(alliance=alliance, active=True)
                  .select_related("person").order_by("person__name", "id"))
    suggestions = experts.suggest_experts(alliance, experts=active)
    _openable(request.user, [need for need, _ in suggestions])
    by_expert = experts.needs_by_expert(suggestions)
    for expert in page.object_list:
        expert.terms = experts.split_specialties(expert.specialties)
        expert.matched_needs = by_expert.get(expert.pk, [])
    return render(request, "alliances/people/experts.html", {
        "alliance": alliance, "page": page, "suggestions": suggestions,
        "can_manage": services.manages(request.user, alliance) and alliance.is_open,
        "query_string": query_without_page(request),
    })


def _experts_url(alliance_id):
    return reverse("alliances:expert_list", args=[alliance_id])


class ExpertAddView(AllianceManageFormView):
    form_class = forms.ExpertAddForm
    form_takes_user = True
    service = experts.add_expert
    title = "添加本土专家 · {obj.name}"
    submit_label = "加入专家服务团"

    def refusal(self, obj):
        return "" if obj.is_open else "该联盟已结束，不能再调整专家库。"

    def get_success_message(self, obj, result):
        return f"{result.person.name}已加入本土专家服务团。"

    def get_success_url(self, obj, result):
        return _experts_url(obj.pk)

    def get_cancel_url(self, obj):
        return _experts_url(obj.pk)


class ExpertEditView(AllianceRowMixin, ServiceFormView):
    queryset = Expert.objects.select_related("alliance__owner", "person")
    capability = MANAGE
    denied_message = MANAGE_DENIED
    form_class = forms.ExpertEditForm
    service = experts.edit_expert
    title = "修改本土专家：{obj.person.name}"
    success_message = "已保存{obj.person.name}的专长。"

    def refusal(self, obj):
        return "" if obj.active else "该专家已停用，请重新添加后再修改。"

    def guarded(self, obj):
        message = self.refusal(obj)
        if message:
            messages.error(self.request, message)
            return redirect(_experts_url(obj.alliance_id))
        return None

    def extra_form_kwargs(self, obj):
        return {"expert": obj}

    def get_success_url(self, obj, result):
        return _experts_url(obj.alliance_id)

    def get_cancel_url(self, obj):
        return _experts_url(obj.alliance_id)


class ExpertDeactivateView(AllianceRowMixin, ObjectActionView):
    queryset = Expert.objects.select_related("alliance__owner", "person")
    capability = MANAGE
    denied_message = MANAGE_DENIED
    service = experts.deactivate_expert
    error_prefix = "未能停用："
    success_message = "已将{obj.person.name}移出本土专家服务团（可重新添加）。"

    def get_success_url(self, obj, result):
        return _experts_url(obj.alliance_id)

    def get_failure_url(self, obj):
        return _experts_url(obj.alliance_id)


# 党员发展指标 -------------------------------------------------------------------------------

def _development_url(alliance_id, year=None):
    address = reverse("alliances:development", args=[alliance_id])
    return f"{address}?year={year}" if year else address


@login_required
def development_page(request, pk):
    """党员发展指标: the year's quota (used, left), the candidates by stage with the steps the
    user may take on each row (a fixed number of queries per page)."""
    user = request.user
    alliance = _alliance(request, pk)
    year_form = forms.YearForm(request.GET or None)
    year = forms.default_year(year_form)
    rows = (development.candidates_for_year(alliance, year)
            .annotate(stage_order=STAGE_ORDER).order_by("stage_order", "-recommended_on", "id"))
    page = paginate(request, rows, ROWS_PER_PAGE)
    page.object_list = list(page.object_list)
    manages = services.manages(user, alliance)
    branches = {c.branch_id for c in page.object_list}
    acting = set(Organization.objects.filter(acting_orgs_q(user), pk__in=branches)
                 .values_list("pk", flat=True)) if branches else set()
    for candidate in page.object_list:
        branch = manages or candidate.branch_id in acting
        live = candidate.stage in development.LIVE
        candidate.can_train = branch and candidate.stage == CandidateStage.RECOMMENDED
        candidate.can_grant = manages and candidate.stage == CandidateStage.TRAINING
        candidate.can_admit = branch and candidate.stage == CandidateStage.QUOTA_GRANTED
        candidate.can_withdraw = branch and live
        candidate.carried = candidate.year < year
    return render(request, "alliances/people/development.html", {
        "alliance": alliance, "year": year, "year_form": year_form, "page": page,
        "summary": development.quota_summary(alliance, year),
        "can_set_quota": development.may_set_quota(user, alliance),
        "can_recommend": alliance.is_open and development.may_recommend(user, alliance),
        "today": timezone.localdate(), "query_string": query_without_page(request),
    })


class QuotaSetView(ServiceFormView):
    """设定发展指标: the county only (alliance.manage on the county organization)."""

    queryset = Alliance.objects.select_related("owner", "type")
    capability = MANAGE
    denied_message = "只有县委组织部可以设定党建联盟的党员发展指标。"
    form_class = forms.QuotaForm
    service = development.set_quota
    title = "设定党员发展指标 · {obj.name}"
    submit_label = "保存指标"

    def capability_orgs(self, obj):
        return [county_of(obj)]

    def extra_form_kwargs(self, obj):
        year_form = forms.YearForm(self.request.GET or None)
        return {"alliance": obj, "year": forms.default_year(year_form)}

    def get_success_message(self, obj, result):
        return f"已将{obj.name} {result.year}年党员发展指标设为 {result.places} 名。"

    def get_success_url(self, obj, result):
        return _development_url(obj.pk, result.year)

    def get_cancel_url(self, obj):
        return _development_url(obj.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            subtitle="由县委组织部统筹下达；已给予的指标数不能被调减。每次调整都留有记录。",
            **kwargs)


class RecommendView(PickerMixin, ServiceFormView):
    """推荐入党积极分子人选: a member's secretary or contact (their own people) or a manager."""

    queryset = Alliance.objects.select_related("owner", "type")
    form_class = forms.RecommendForm
    form_takes_user = True
    service = development.recommend_candidate
    title = "推荐入党积极分子 · {obj.name}"
    submit_label = "推荐"

    def check_permission(self, obj):
        if not development.may_recommend(self.request.user, obj):
            raise PermissionDenied("只有成员组织的书记、联络员或联盟管理员可以推荐人选。")

    def refusal(self, obj):
        return "" if obj.is_open else "该联盟已结束，不能再推荐。"

    def extra_form_kwargs(self, obj):
        return {"alliance": obj}

    def get_success_message(self, obj, result):
        return f"已推荐{result.person.name}，请所属党组织开始培养。"

    def get_success_url(self, obj, result):
        return _development_url(obj.pk, result.year)

    def get_cancel_url(self, obj):
        return _development_url(obj.pk)


class CandidateActionView(AllianceRowMixin, ObjectActionView):
    queryset = DevelopmentCandidate.objects.select_related("alliance__owner", "person", "branch")
    may = staticmethod(development.may_act_for_branch)
    denied_message = "只有人选所属党组织的书记、联络员或联盟管理员可以办理。"

    def check_permission(self, obj):
        if not self.may(self.request.user, obj):
            raise PermissionDenied(self.denied_message)

    def get_success_url(self, obj, result):
        return _development_url(obj.alliance_id, result.year)

    def get_failure_url(self, obj):
        return _development_url(obj.alliance_id, obj.year)


class CandidateTrainingView(CandidateActionView):
    form_class = forms.TrainingForm
    service = development.start_training
    error_prefix = "未能开始培养："
    success_message = "{obj.person.name}已进入培养阶段。"


class CandidateGrantView(CandidateActionView):
    may = staticmethod(development.may_grant)
    denied_message = "只有县委组织部或本乡镇管理员可以给予发展指标。"
    form_class = forms.GrantForm
    service = development.grant_quota
    error_prefix = "未能给予指标："
    success_message = "已给予{obj.person.name}{result.year}年党员发展指标。"


class CandidateAdmitView(CandidateActionView):
    form_class = forms.AdmitForm
    service = development.admit_candidate
    error_prefix = "未能登记吸收："
    success_message = "{obj.person.name}已吸收入党。"


class CandidateWithdrawView(CandidateActionView):
    form_class = forms.WithdrawForm
    service = development.withdraw_candidate
    error_prefix = "未能退出："
    success_message = "{obj.person.name}已退出推荐人选。"


@login_required
def development_overview(request):
    """党员发展指标总览: each alliance's places, used and left for a year, and the candidates
    waiting for a place (four queries per page whatever the number of alliances)."""
    user = request.user
    _require_view(user)
    year_form = forms.YearForm(request.GET or None)
    year = forms.default_year(year_form)
    owners = list(visible_owners(user))
    chosen = request.GET.get("township", "")
    owner = next((o for o in owners if str(o.pk) == chosen), None)
    # The year's quotas as an IN-subquery: joined, they made the rows DISTINCT, so every
    # alliance in scope was de-duplicated and counted before the page (906 at city scale).
    quota_holders = DevelopmentQuota.objects.filter(year=year).values("alliance")
    alliances = (Alliance.objects.visible_to(user).select_related("owner", "type")
                 .filter(Q(closed_at__isnull=True) | Q(pk__in=quota_holders))
                 .order_by("owner__path", "kind", "name", "id"))
    if owner is not None:
        alliances = alliances.filter(owner=owner)
    page = paginate(request, alliances, ROWS_PER_PAGE)
    page.object_list = list(page.object_list)
    figures = development.quota_overview([a.pk for a in page.object_list], year)
    for alliance in page.object_list:
        places = figures["places"].get(alliance.pk)
        used = figures["used"].get(alliance.pk, 0)
        alliance.places, alliance.used = places, used
        alliance.left = max(places - used, 0) if places is not None else None
        alliance.waiting = figures["waiting"].get(alliance.pk, 0)
    return render(request, "alliances/people/overview.html", {
        "year": year, "year_form": year_form, "page": page, "owners": owners, "owner": owner,
        "query_string": query_without_page(request),
    })
