"""The filters of the core's list pages; every choice is narrowed to the user's scope."""

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict

from portal.forms import OrgChoiceField
from portal.models import Organization, Person, RoleAssignment
from portal.models.orgs import OrgKind
from portal.models.people import Gender
from portal.models.roles import Role
from portal.scope import has_capability


class OrgFilter(django_filters.ModelChoiceFilter):
    """An organization and its whole subtree (`path_field` names the row's org path)."""

    field_class = OrgChoiceField

    def __init__(self, *args, path_field, **kwargs):
        self.path_field = path_field
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.path_field}__startswith": value.path})


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search", widget=forms.TextInput(
        attrs={"placeholder": "姓名、手机号或身份证号"}))
    org = OrgFilter(label="组织", path_field="home_org__path", empty_label="全部组织",
                    queryset=Organization.objects.none())
    flag = django_filters.ChoiceFilter(label="类别", method="by_flag", empty_label="全部",
                                       choices=[("party", "党员"), ("talent", "城市人才"),
                                                ("cadre", "干部")])
    gender = django_filters.ChoiceFilter(label="性别", choices=Gender.choices, empty_label="全部")

    FLAG_FIELDS = {"party": "is_party_member", "talent": "is_city_talent", "cadre": "is_cadre"}

    class Meta:
        model = Person
        fields = ["q", "org", "flag", "gender"]

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.user = request.user
        self.filters["org"].queryset = Organization.objects.visible_to(self.user).only(
            "id", "name", "kind", "depth", "path")

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            self._narrow_org_choices(form.fields["org"])
        return self._form

    def _narrow_org_choices(self, field):
        # Listing every village would put hundreds of options on a phone: the drop-down offers
        # the top two levels; a village arrives as ?org=<pk> from its page and stays selected.
        shown = list(field.queryset.filter(depth__lte=2).exclude(kind=OrgKind.OTHER))
        selected = str(self.data.get("org", "")) if self.is_bound else ""
        if selected.isdigit() and all(str(o.pk) != selected for o in shown):
            shown += list(field.queryset.filter(pk=selected))
        field.widget.choices = [("", "全部组织")] + [
            (o.pk, field.label_from_instance(o)) for o in sorted(shown, key=lambda o: o.path)]

    def search(self, queryset, name, value):
        return queryset.search(value, by_id_number=has_capability(
            self.user, "person.view_id_number"))

    def by_flag(self, queryset, name, value):
        return queryset.filter(**{self.FLAG_FIELDS[value]: True})


class RoleAssignmentFilter(django_filters.FilterSet):
    """Grants by account or org name, role and state; without a state, the active ones."""

    q = django_filters.CharFilter(label="搜索", method="search", widget=forms.TextInput(
        attrs={"placeholder": "用户名或组织名称"}))
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices, empty_label="全部角色")
    state = django_filters.ChoiceFilter(
        label="状态", method="by_state", empty_label=None,
        choices=[("active", "生效中"), ("revoked", "已撤销"), ("all", "全部（含历史）")])

    class Meta:
        model = RoleAssignment
        fields = ["q", "role", "state"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data.setdefault("state", "active")
        super().__init__(data, *args, **kwargs)

    def search(self, queryset, name, value):
        return queryset.filter(Q(user__username__icontains=value) | Q(org__name__icontains=value))

    def by_state(self, queryset, name, value):
        if value == "active":
            return queryset.filter(revoked_at__isnull=True)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset
