"""Forms of the activity ledger: log an activity with its participants,
return an entry, upload evidence, reopen a closed month. Every choice is narrowed to what
the user may pick; the rules themselves (locks, eligibility, status) are the services'."""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from alliances.models import Alliance
from alliances.services.structure import open_alliances_of
from ledger.models import Activity, ActivityTheme, ParticipantRole
from ledger.services.activities import eligible_orgs, eligible_participants
from ledger.services.evidence import evidence_limits
from pairing.models import PLACE_HOLDING, Claim, Need, Pairing, PairingStatus
from portal.forms import MultipleFileField
from portal.middleware import upload_request_limit_text
from portal.models import Organization, Person
from portal.models.orgs import OrgKind

# Kinds that keep a ledger themselves (not the county or townships, which check them).
NOT_LOGGING = (OrgKind.COUNTY, OrgKind.TOWNSHIP)
DEFAULT_HOURS = Decimal("2")
MAX_PARTICIPANTS = 200
FALLBACK_LIMIT = 300


class QuickSelect(forms.Select):
    """A select whose options are written here rather than through one template include
    each: a unit paired with 90 villages is offered hundreds of pairings and claimed needs
    (city scale: ~340 options took ~100 ms of the activity form through the templates)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (key, mark_safe(" selected") if str(key) in chosen else "", label)
            for key, label in self.choices))
        # The attributes in the order Django's template writes them (flatatt sorts them).
        written = format_html_join("", "{}", (
            (format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value),)
            for key, value in self.build_attrs(self.attrs, attrs).items()
            if value is not False and value is not None))
        return format_html("<select name=\"{}\"{}>{}</select>", name, written, options)


class OrgNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PairingField(forms.ModelChoiceField):
    widget = QuickSelect

    def label_from_instance(self, obj):
        return f"{obj.city_org.name} ↔ {obj.village_org.name}"


class NeedField(forms.ModelChoiceField):
    widget = QuickSelect

    def label_from_instance(self, obj):
        return f"{obj.village_org.name}：{obj.title}"


class AllianceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def logging_orgs(user):
    """Organizations whose ledger the user keeps (ledger.log)."""
    return (Organization.objects.visible_to(user, "ledger.log").exclude(kind__in=NOT_LOGGING)
            .only("id", "name", "path", "kind", "depth").order_by("path"))


def _pairings_of(org_ids):
    """Active pairings of these organizations (ids: a list, so that each side is read by its
    index; the same condition over a subquery of organizations scanned every pairing)."""
    return Pairing.objects.filter(status=PairingStatus.ACTIVE).filter(
        Q(village_org_id__in=org_ids) | Q(city_org_id__in=org_ids))


def _claimed_needs_of(org_ids, village_ids=None):
    """Needs of these organizations (or of the villages they are paired with: `village_ids`,
    when the caller has read them) that someone claimed."""
    claimed = Claim.objects.filter(need=OuterRef("pk"), status__in=PLACE_HOLDING)
    if village_ids is None:
        paired_villages = _pairings_of(org_ids).values("village_org_id")
        where = Q(village_org_id__in=org_ids) | Q(village_org_id__in=paired_villages)
    else:
        where = Q(village_org_id__in=sorted(set(org_ids) | set(village_ids)))
    return Need.objects.filter(Exists(claimed)).filter(where)


def person_label(person):
    return {"id": person.pk, "name": person.name, "org": person.home_org.name,
            "talent": person.is_city_talent}


class ActivityForm(forms.ModelForm):
    """The phone-first activity form. Participants arrive as repeated `participant` ids with
    `hours_<id>` and `role_<id>` (the picker's rows, or the plain multi-select without JS)."""

    org = OrgNameField(label="组织", queryset=Organization.objects.none())
    pairing = PairingField(label="结对关系", required=False, queryset=Pairing.objects.none(),
                           help_text="可选：与结对单位共同开展的活动。")
    need = NeedField(label="认领事项", required=False, queryset=Need.objects.none(),
                     help_text="可选：本活动完成的已认领需求。")
    # Saved with the activity, in the same transaction (ledger.services.evidence).
    files = MultipleFileField(label="佐证材料（照片或文件）", required=False)

    class Meta:
        model = Activity
        fields = ["org", "date", "theme", "title", "place", "content", "outcome",
                  "beneficiaries", "funds", "pairing", "need", "alliance"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "content": forms.Textarea(attrs={"rows": 4}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "beneficiaries": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "funds": forms.NumberInput(attrs={"min": 0, "step": "0.01",
                                              "inputmode": "decimal"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = logging_orgs(user)
        self.orgs = list(orgs)
        self.fields["org"].queryset = orgs
        if not self.instance.pk:
            self.initial["date"] = self.initial.get("date") or timezone.localdate()
            if len(self.orgs) == 1:
                self.initial["org"] = self.orgs[0].pk
        self.fields["theme"].queryset = ActivityTheme.objects.filter(is_active=True)
        self.fields["theme"].empty_label = "请选择活动主题"
        org_ids = [org.pk for org in self.orgs]
        self.fields["pairing"].queryset = _pairings_of(org_ids)
        self.fields["pairing"].widget.choices = self._pairing_choices
        self.fields["need"].queryset = _claimed_needs_of(org_ids)
        self.fields["need"].widget.choices = self._need_choices
        self._offer_alliances(orgs)
        self.fields["title"].widget.attrs["placeholder"] = "如：主题党日联过"
        self.fields["place"].widget.attrs["placeholder"] = "如：村党群服务中心"
        self.fields["funds"].help_text = "没有投入资金填 0。"
        self.fields["files"].help_text = ("可一次选择多张，与活动一起保存。" + evidence_limits()
                                          + upload_request_limit_text())
        self.participant_problems = []
        self.participant_rows = self._initial_rows() if not self.is_bound else None

    # The pairings and needs offered, read when the page is rendered (a valid POST never
    # renders them): the rows by their own indexes, then the names of the organizations they
    # name that are not the user's own, by primary key; joining them to the organizations
    # hashed the whole organization table (5,800 rows at city scale) twice per page.
    @cached_property
    def _linked(self):
        org_ids = [org.pk for org in self.orgs]
        pairings = list(_pairings_of(org_ids).order_by())
        needs = list(_claimed_needs_of(org_ids, [p.village_org_id for p in pairings])
                     .order_by("-created_at", "-id"))
        names = {org.pk: org for org in self.orgs}
        wanted = ({p.city_org_id for p in pairings} | {p.village_org_id for p in pairings}
                  | {n.village_org_id for n in needs}) - set(names)
        names.update(Organization.objects.filter(pk__in=wanted).only("id", "name", "path")
                     .in_bulk())
        for pairing in pairings:
            pairing.city_org, pairing.village_org = (names[pairing.city_org_id],
                                                     names[pairing.village_org_id])
        pairings.sort(key=lambda p: (p.village_org.path, p.city_org.path))
        for need in needs:
            need.village_org = names[need.village_org_id]
        return pairings, needs

    def _choices(self, name, rows):
        field = self.fields[name]
        iterator = field.iterator(field)
        blank = [("", field.empty_label)] if field.empty_label is not None else []
        return blank + [iterator.choice(row) for row in rows]

    def _pairing_choices(self):
        return self._choices("pairing", self._linked[0])

    def _need_choices(self):
        return self._choices("need", self._linked[1])

    def _offer_alliances(self, orgs):
        """The open alliances the user's organizations belong to; no field when none."""
        alliances = list(open_alliances_of(orgs).order_by("kind", "name"))
        current = self.instance.alliance_id if self.instance.pk else None
        if not alliances and current is None:
            del self.fields["alliance"]
            return
        self.fields["alliance"].queryset = Alliance.objects.filter(
            pk__in=[a.pk for a in alliances] + ([current] if current else [])
        ).order_by("kind", "name")
        self.fields["alliance"].empty_label = "（不关联）"

    # Which organization the participants belong to: the chosen one, else the only one.
    def current_org(self):
        if self.is_bound:
            raw = self.data.get("org", "")
            match = next((o for o in self.orgs if str(o.pk) == raw), None)
            if match:
                return match
        elif self.instance.pk:
            return self.instance.org
        return self.orgs[0] if self.orgs else None

    def _initial_rows(self):
        if not self.instance.pk:
            return []
        return [{**person_label(p.person), "hours": p.hours, "role": p.role}
                for p in self.instance.participations.select_related("person__home_org")
                .order_by("id")]

    def fallback_choices(self):
        """People for the no-JS multi-select: the org's eligible people not yet chosen."""
        org = self.current_org()
        if org is None:
            return []
        chosen = {row["id"] for row in self.rows()}
        org_ids = eligible_orgs(org)
        # The organizations joined with their ids on their side too, so that PostgreSQL
        # reads those few by key instead of hashing every organization (5,800 at city scale)
        # to sort a unit's people by their organization.
        people = (eligible_participants(org, org_ids).exclude(pk__in=chosen)
                  .annotate(home=FilteredRelation("home_org",
                                                  condition=Q(home_org__id__in=org_ids)))
                  .order_by("-is_city_talent", "home__path", "name")
                  .values_list("pk", "name", "home__name")[:FALLBACK_LIMIT])
        return [(pk, f"{name}（{home}）") for pk, name, home in people]

    def rows(self):
        """The chosen participants as shown on the page (what was typed, even if invalid)."""
        if self.participant_rows is None:
            self.participant_rows = self._bound_rows()
        return self.participant_rows

    def _bound_rows(self):
        ids = []
        for raw in self.data.getlist("participant"):
            if raw.isdigit() and int(raw) not in ids:
                ids.append(int(raw))
        if len(ids) > MAX_PARTICIPANTS:
            self.participant_problems.append(f"一次最多登记 {MAX_PARTICIPANTS} 名参与人员。")
            ids = ids[:MAX_PARTICIPANTS]
        org = self.current_org()
        eligible = {}
        if org is not None and ids:
            eligible = {p.pk: p for p in eligible_participants(org).filter(pk__in=ids)
                        .select_related("home_org")}
        outside = [pk for pk in ids if pk not in eligible]
        if outside:
            names = list(Person.objects.visible_to(self.user, "person.view")
                         .filter(pk__in=outside).values_list("name", flat=True))
            unnamed = len(outside) - len(names)
            text = "、".join(names) + (f"等 {unnamed} 人" if unnamed and names else
                                      f"{unnamed} 名人员" if unnamed else "")
            self.participant_problems.append(
                f"{text}不属于本组织或结对单位，不能登记为参与人员，已从名单中移除。")
        rows = []
        for pk in ids:
            if pk in eligible:
                rows.append({**person_label(eligible[pk]),
                             "hours": self.data.get(f"hours_{pk}", "").strip() or DEFAULT_HOURS,
                             "role": self.data.get(f"role_{pk}", ParticipantRole.PARTICIPANT)})
        return rows

    def clean(self):
        data = super().clean()
        org = data.get("org")
        pairing, need = data.get("pairing"), data.get("need")
        if org and pairing and org.pk not in (pairing.city_org_id, pairing.village_org_id):
            self.add_error("pairing", "所选结对关系不属于该组织。")
        if org and need:
            villages = set(_pairings_of([org.pk]).values_list("village_org_id", flat=True))
            if need.village_org_id != org.pk and need.village_org_id not in villages:
                self.add_error("need", "所选认领事项不属于该组织或其结对村。")
        alliance = data.get("alliance")
        if (org and alliance and alliance.pk != self.instance.alliance_id
                and not open_alliances_of([org]).filter(pk=alliance.pk).exists()):
            self.add_error("alliance", "该组织不是所选党建联盟的现有成员。")
        self.cleaned_participants = []
        for row in self.rows():
            try:
                hours = Decimal(str(row["hours"]))
            except InvalidOperation:
                hours = None
            if hours is None or not hours.is_finite() or not Decimal(0) <= hours <= 24:
                self.participant_problems.append(f"“{row['name']}”的时长应为 0 到 24 小时。")
                continue
            if row["role"] not in ParticipantRole.values:
                self.participant_problems.append(f"请为“{row['name']}”选择角色。")
                continue
            self.cleaned_participants.append((row["id"], hours.quantize(Decimal("0.1")),
                                              row["role"]))
        for problem in self.participant_problems:
            self.add_error(None, problem)
        return data

    def participants(self):
        """(person, hours, role) for the service; call after is_valid()."""
        people = Person.objects.in_bulk([pk for pk, _, _ in self.cleaned_participants])
        return [(people[pk], hours, role) for pk, hours, role in self.cleaned_participants]


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=300,
                             error_messages={"required": "退回时请填写原因。"},
                             widget=forms.TextInput(attrs={
                                 "placeholder": "退回原因，如：缺少活动照片", "required": True,
                                 "class": "form-control form-control-sm w-auto flex-grow-1"}))


class EvidenceUploadForm(forms.Form):
    files = MultipleFileField(label="照片或文件",
                              error_messages={"required": "请选择要上传的照片或文件。"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = ("可一次选择多张。" + evidence_limits()
                                          + upload_request_limit_text())


class ReopenForm(forms.Form):
    """开放补录: one organization's closed month, with a reason."""

    org = OrgNameField(label="组织", queryset=Organization.objects.none())
    year = forms.TypedChoiceField(label="年", coerce=int)
    month = forms.TypedChoiceField(label="月", coerce=int,
                                   choices=[(m, f"{m}月") for m in range(1, 13)])
    reason = forms.CharField(label="原因", max_length=300,
                             error_messages={"required": "开放补录时请填写原因。"},
                             widget=forms.TextInput(attrs={"placeholder": "如：书记住院"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = (
            Organization.objects.visible_to(user, "ledger.reopen").exclude(kind__in=NOT_LOGGING)
            .only("id", "name", "path").order_by("path"))
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, f"{y}年") for y in range(this_year, this_year - 3, -1)]
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        self.fields["year"].initial = last_month.year
        self.fields["month"].initial = last_month.month


def _year_choices():
    this_year = timezone.localdate().year
    return [(y, f"{y}年") for y in range(this_year, this_year - 3, -1)]


MONTH_CHOICES = [(m, f"{m}月") for m in range(1, 13)]


class BatchReturnForm(forms.Form):
    """The one reason posted with a batch return (the ticked ids are the view's)."""

    reason = forms.CharField(label="退回原因", max_length=300, required=False)


class OrgNamesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class BatchReopenForm(forms.Form):
    """开放补录 for several organizations of one township at once, or all of them."""

    township = OrgNameField(label="乡镇", queryset=Organization.objects.none())
    orgs = OrgNamesField(label="村（社区、单位）", queryset=Organization.objects.none(),
                         required=False, widget=forms.CheckboxSelectMultiple)
    all_orgs = forms.BooleanField(label="全乡镇所有村（社区）", required=False)
    year = forms.TypedChoiceField(label="年", coerce=int)
    month = forms.TypedChoiceField(label="月", coerce=int, choices=MONTH_CHOICES)
    reason = forms.CharField(label="原因", max_length=300,
                             error_messages={"required": "开放补录时请填写原因。"},
                             widget=forms.TextInput(attrs={"placeholder": "如：系统故障补录"}))

    def __init__(self, *args, user, township=None, **kwargs):
        super().__init__(*args, **kwargs)
        townships = (Organization.objects.visible_to(user, "ledger.reopen")
                     .filter(kind=OrgKind.TOWNSHIP, is_active=True)
                     .only("id", "name", "path").order_by("path"))
        self.fields["township"].queryset = townships
        listed = list(townships[:2])
        if township is None and len(listed) == 1:
            township = listed[0]
        self.township = township
        if township is not None:
            self.fields["township"].initial = township.pk
            self.fields["orgs"].queryset = (
                Organization.objects.visible_to(user, "ledger.reopen")
                .filter(path__startswith=township.path, is_active=True)
                .exclude(kind__in=NOT_LOGGING).only("id", "name", "path").order_by("path"))
        self.fields["year"].choices = _year_choices()
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        self.fields["year"].initial = last_month.year
        self.fields["month"].initial = last_month.month

    def clean(self):
        data = super().clean()
        township = data.get("township")
        if township is not None and self.township is not None and township != self.township:
            raise forms.ValidationError("请先选择乡镇，再勾选其下的组织。")
        if data.get("all_orgs"):
            data["orgs"] = list(self.fields["orgs"].queryset)
        if not data.get("orgs"):
            raise forms.ValidationError("请勾选要开放补录的组织，或选择全乡镇。")
        return data


class ReopenRequestForm(forms.Form):
    """申请补录: the organization's locked month (and the activity, when asked from one)."""

    org = OrgNameField(label="组织", queryset=Organization.objects.none())
    year = forms.TypedChoiceField(label="年", coerce=int)
    month = forms.TypedChoiceField(label="月", coerce=int, choices=MONTH_CHOICES)
    activity = forms.ModelChoiceField(queryset=Activity.objects.none(), required=False,
                                      widget=forms.HiddenInput)
    reason = forms.CharField(label="申请理由", max_length=300,
                             error_messages={"required": "申请补录时请填写理由。"},
                             widget=forms.TextInput(attrs={"placeholder": "如：补充活动照片"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = logging_orgs(user)
        self.fields["activity"].queryset = Activity.objects.visible_to(user, "ledger.log")
        self.fields["year"].choices = _year_choices()
        last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        self.fields["year"].initial = last_month.year
        self.fields["month"].initial = last_month.month


class RefuseForm(forms.Form):
    note = forms.CharField(label="不同意的原因", max_length=300,
                           error_messages={"required": "不同意时请填写原因。"})
