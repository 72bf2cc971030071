"""Forms of 双结对双帮扶: households, cadre pairings, visits, the household filter."""

from django import forms
from django.utils import timezone

from pairing.models import AidHousehold
from pairing.services.aid import HOUSEHOLD_FIELDS, cadre_choices
from portal.models import Person

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_after_today(field):
    field.widget.attrs["max"] = timezone.localdate().isoformat()


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = AidHousehold
        fields = list(HOUSEHOLD_FIELDS)
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel"})}


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.home_org.name}{'·' + obj.position if obj.position else ''}）"


class AidPairingForm(forms.Form):
    cadre = CadreChoiceField(label="帮扶干部", queryset=Person.objects.none(),
                             help_text="可选择您管理范围内在册的干部或党员：输入姓名、拼音或首字母查找。")
    since = forms.DateField(label="结对日期", widget=_DATE)
    plan = forms.CharField(label="帮扶计划", widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=4000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Thousands of people at county scale: the generic views turn this field into the
        # person picker (portal.widgets.use_pickers); the queryset still validates the choice.
        self.fields["cadre"].queryset = (cadre_choices(user).select_related("home_org")
                                         .only("id", "name", "position", "home_org__name")
                                         .order_by("-is_cadre", "name", "id"))
        self.fields["since"].initial = timezone.localdate()
        _not_after_today(self.fields["since"])


class AidPlanForm(forms.Form):
    plan = forms.CharField(label="帮扶计划", widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=4000)


class AidVisitForm(forms.Form):
    date = forms.DateField(label="走访日期", widget=_DATE)
    content = forms.CharField(label="帮扶内容", widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        _not_after_today(self.fields["date"])


class LedgerYearForm(forms.Form):
    """The year of a village's 工作台账 export; a bad or missing year means this year (the
    village page posts a free number field)."""

    year = forms.CharField(required=False, max_length=8)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

    def chosen_year(self):
        this_year = timezone.localdate().year
        try:
            year = int(self.cleaned_data.get("year") or this_year)
        except ValueError:
            return this_year
        return year if 2000 <= year <= this_year else this_year
