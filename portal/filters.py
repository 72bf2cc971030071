"""The filters of the core's list pages; every choice is narrowed to the user's scope."""

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict

from portal.forms import OrgChoiceField
from portal.models import Organization, Person, RoleAssignment
from portal.models.people import Gender
from portal.models.roles import Role
from portal.scope import has_capability

ALL_LABEL = "全部"


def blank_as_all(form):
    """Every filter's blank choice reads "全部" (not "---------", not one wording per page);
    one blank choice per field. Used by the shared filter bar (includes/filter_form.html)."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
            continue
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label is not None:
                field.empty_label = ALL_LABEL
        elif isinstance(field, forms.ChoiceField):
            static = list(field.choices)
            if getattr(field, "empty_label", None) is not None:
                # django-filter puts its own blank choice ahead of the declared ones.
                static = static[1:]
                field.empty_label = None if any(v == "" for v, _ in static) else ALL_LABEL
            blanks = [i for i, (value, _) in enumerate(static) if value == ""]
            field.choices = [(value, ALL_LABEL) if i in blanks[:1] else (value, label)
                             for i, (value, label) in enumerate(static) if i not in blanks[1:]]
    return form


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
    org = OrgFilter(label="组织", path_field="home_org__path",
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
        # Every organization, villages included: a picker once there are more than a few.
        self.filters["org"].queryset = Organization.objects.visible_to(self.user).only(
            "id", "name", "kind", "depth", "path")

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
