"""Forms of the core; every choice field is narrowed to the user's scope."""

from django import forms
from django.contrib.auth import get_user_model

from portal.idnumber import normalize
from portal.models import Organization, Person
from portal.models.orgs import OrgKind
from portal.models.roles import Role
from portal.scope import has_capability


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or PDFs in one input (evidence, meeting photos): cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "multiple": True, "accept": "image/jpeg,image/png,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            if not data:
                return super().clean(None, initial)
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * (obj.depth - 1)}{obj.name}（{obj.get_kind_display()}）"


def orgs_for(user, action="change"):
    return Organization.objects.visible_to(user, action).only("id", "name", "kind", "depth", "path")


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "code", "kind", "party_org_type", "secretary", "industry_tags",
                  "address", "latitude", "longitude", "is_active"]

    def __init__(self, *args, user, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        if self.instance.pk:
            self.fields["secretary"].queryset = Person.objects.filter(home_org=self.instance)
            self.fields["kind"].disabled = True
        else:
            del self.fields["secretary"]
        self.fields["industry_tags"].widget.attrs["placeholder"] = "如：茶叶、乡村旅游"

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if self.parent is not None and kind:
            from portal.models.orgs import placement_problem

            problem = placement_problem(kind, self.parent.kind)
            if problem:
                self.add_error("kind", problem)
        return data


class MoveOrgForm(forms.Form):
    new_parent = OrgChoiceField(label="新的上级组织", queryset=Organization.objects.none())

    def __init__(self, *args, user, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = (
            orgs_for(user).exclude(path__startswith=org.path)
            .exclude(kind__in=[OrgKind.VILLAGE, OrgKind.OTHER])
        )


class PersonForm(forms.ModelForm):
    home_org = OrgChoiceField(label="所在组织", queryset=Organization.objects.none())

    class Meta:
        model = Person
        fields = ["name", "gender", "id_number", "phone", "home_org", "position",
                  "is_party_member", "is_city_talent", "is_cadre", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_org"].queryset = Organization.objects.visible_to(
            user, "person.change").only("id", "name", "kind", "depth", "path")
        if self.instance.pk and not has_capability(user, "person.view_id_number",
                                                   self.instance.home_org):
            # Only county admins see stored ID numbers unmasked; others keep it as it is.
            del self.fields["id_number"]
        else:
            self.fields["id_number"].widget.attrs.update(autocomplete="off", maxlength=18)
        self.fields["phone"].widget.attrs.update(inputmode="tel")

    def clean_id_number(self):
        value = normalize(self.cleaned_data["id_number"])
        clash = Person.objects.filter(id_number=value).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("该身份证号已登记，不能重复录入。")
        return value


class RoleAssignForm(forms.Form):
    # The browser must not fill in the admin's own login here.
    username = forms.CharField(label="用户名", max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label="姓名（新建账号时填写）", max_length=150, required=False)
    password = forms.CharField(label="初始密码（新建账号时填写）", required=False,
                               widget=forms.PasswordInput(render_value=False,
                                                           attrs={"autocomplete": "new-password"}),
                               help_text="至少10位，不能全为数字。")
    org = OrgChoiceField(label="组织", queryset=Organization.objects.none())
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = (
            Organization.objects.visible_to(user, "role.manage").exclude(kind=OrgKind.OTHER)
            .only("id", "name", "kind", "depth", "path")
        )

    def clean(self):
        data = super().clean()
        username = (data.get("username") or "").strip()
        data["username"] = username
        exists = get_user_model().objects.filter(username=username).exists()
        if username and not exists and not data.get("password"):
            self.add_error("password", "该用户名尚不存在：请填写初始密码以新建账号。")
        return data
