"""Django admin for 结对共建: pairings, agreements and their lists, the needs board, meetings
and 双结对双帮扶. Organizations, people and users are picked by autocomplete."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pairing.models import (
    AidHousehold,
    AidPairing,
    AidVisit,
    AnnualAgreement,
    Claim,
    ClaimEvent,
    JointMeeting,
    Need,
    NeedDeadlineTally,
    NeedItem,
    NeedMonthTally,
    NeedYearTally,
    Pairing,
    ProjectItem,
    ResourceItem,
    VillagePairingTally,
    VillageYearTally,
)
from portal.admin import (
    ReadOnlyAdmin,
    SelectRelatedMixin,
    WorkflowFieldsReadOnlyMixin,
    user_column,
)
from portal.templatetags.portal_tags import person_name

# What a pairing's __str__ ("单位 ↔ 村") reads, seen from a row that points at it.
PAIRING_NAMES = ["pairing__city_org", "pairing__village_org"]
AGREEMENT_NAMES = [f"agreement__{p}" for p in PAIRING_NAMES]
PAIRING_SEARCH = ["pairing__city_org__name", "pairing__village_org__name"]


@admin.register(Pairing)
class PairingAdmin(WorkflowFieldsReadOnlyMixin, SelectRelatedMixin, SimpleHistoryAdmin):
    list_display = ["village_org", "city_org", "status", "since", "until", "honorary_head",
                    "liaison", "plan_status"]
    list_filter = ["status", "plan_status"]
    search_fields = ["village_org__name", "city_org__name", "honorary_head__name",
                     "liaison__name"]
    autocomplete_fields = ["city_org", "village_org", "honorary_head", "liaison"]
    list_select_related = ["village_org", "city_org", "honorary_head", "liaison"]


@admin.register(AnnualAgreement)
class AnnualAgreementAdmin(WorkflowFieldsReadOnlyMixin, SelectRelatedMixin,
                           SimpleHistoryAdmin):
    list_display = ["pairing", "year", "version", "status", "filed_at"]
    list_filter = ["status", "year"]
    search_fields = PAIRING_SEARCH
    autocomplete_fields = ["pairing", "village_submitted_by", "unit_submitted_by", "filed_by",
                           "supersedes"]
    list_select_related = PAIRING_NAMES


class AgreementListItemAdmin(admin.ModelAdmin):
    """Shared shape of the three lists of a 三清单一协议."""

    list_select_related = AGREEMENT_NAMES
    autocomplete_fields = ["agreement"]

    @admin.display(description="结对关系", ordering="agreement__pairing__village_org__path")
    def pairing(self, obj):
        return obj.agreement.pairing

    @admin.display(description="年度", ordering="agreement__year")
    def year(self, obj):
        return obj.agreement.year


@admin.register(ResourceItem)
class ResourceItemAdmin(AgreementListItemAdmin):
    list_display = ["description", "category", "estimated_amount", "pairing", "year"]
    list_filter = ["category", "agreement__year"]
    search_fields = ["description", *(f"agreement__{p}" for p in PAIRING_SEARCH)]


@admin.register(NeedItem)
class NeedItemAdmin(AgreementListItemAdmin):
    list_display = ["title", "pairing", "year"]
    list_filter = ["agreement__year"]
    search_fields = ["title", "description", *(f"agreement__{p}" for p in PAIRING_SEARCH)]


@admin.register(ProjectItem)
class ProjectItemAdmin(AgreementListItemAdmin):
    list_display = ["name", "status", "progress", "budget", "pairing", "year"]
    list_filter = ["status", "agreement__year"]
    search_fields = ["name", *(f"agreement__{p}" for p in PAIRING_SEARCH)]
    autocomplete_fields = ["agreement", "needs", "resources"]


@admin.register(Need)
class NeedAdmin(WorkflowFieldsReadOnlyMixin, admin.ModelAdmin):
    created_by_name = user_column("created_by", "发布人")
    list_display = ["title", "village_org", "kind", "status", "places", "taken_places",
                    "deadline", "created_by_name"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "village_org__name"]
    autocomplete_fields = ["village_org", "source_item", "created_by"]
    list_select_related = ["village_org", "created_by"]


@admin.register(Claim)
class ClaimAdmin(WorkflowFieldsReadOnlyMixin, admin.ModelAdmin):
    claimant_name = user_column("claimant", "认领人")
    list_display = ["need", "claimant_name", "status", "rating", "created_at", "confirmed_at"]
    list_filter = ["status", "rating"]
    search_fields = ["need__title", "claimant__first_name", "claimant__last_name",
                     "need__village_org__name"]
    autocomplete_fields = ["need", "claimant"]
    list_select_related = ["need", "claimant"]


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdmin):
    actor_name = user_column("actor", "操作人")
    list_display = ["created_at", "need", "claimant_name", "from_status", "to_status",
                    "actor_name", "note"]
    list_filter = ["to_status"]
    search_fields = ["claim__need__title", "claim__claimant__first_name", "actor__first_name",
                     "note"]
    list_select_related = ["claim__need", "claim__claimant", "actor"]

    @admin.display(description="需求事项")
    def need(self, obj):
        return obj.claim.need

    @admin.display(description="认领人")
    def claimant_name(self, obj):
        return person_name(obj.claim.claimant)


@admin.register(JointMeeting)
class JointMeetingAdmin(admin.ModelAdmin):
    list_display = ["pairing", "year", "half", "date", "place", "unit_chair", "village_chair"]
    list_filter = ["year", "half"]
    search_fields = [*PAIRING_SEARCH, "place", "topics"]
    autocomplete_fields = ["pairing", "unit_chair", "village_chair"]
    list_select_related = [*PAIRING_NAMES, "unit_chair", "village_chair"]


@admin.register(AidHousehold)
class AidHouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["head_name", "village_org", "difficulty", "members", "is_party_member",
                    "is_active"]
    list_filter = ["difficulty", "is_party_member", "is_active"]
    search_fields = ["head_name", "phone", "village_org__name"]
    autocomplete_fields = ["village_org"]
    list_select_related = ["village_org"]


@admin.register(AidPairing)
class AidPairingAdmin(SelectRelatedMixin, admin.ModelAdmin):
    list_display = ["cadre", "household", "village", "since", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["cadre__name", "household__head_name", "household__village_org__name"]
    autocomplete_fields = ["cadre", "household"]
    list_select_related = ["cadre", "household__village_org"]

    @admin.display(description="所在村", ordering="household__village_org__path")
    def village(self, obj):
        return obj.household.village_org


@admin.register(AidVisit)
class AidVisitAdmin(admin.ModelAdmin):
    recorded_by_name = user_column("recorded_by", "登记人")
    list_display = ["date", "aid_pairing", "recorded_by_name"]
    search_fields = ["aid_pairing__cadre__name", "aid_pairing__household__head_name",
                     "content"]
    autocomplete_fields = ["aid_pairing", "recorded_by"]
    list_select_related = ["aid_pairing__cadre", "aid_pairing__household", "recorded_by"]


@admin.register(NeedMonthTally)
class NeedMonthTallyAdmin(ReadOnlyAdmin):
    """Needs per village and month, kept by the database (pairing.need_tally): shown, never
    edited here; `manage.py need_tally --check/--rebuild` repairs them."""

    list_display = ["village_org", "month", "published", "claimed", "confirmed"]
    list_filter = ["month"]
    date_hierarchy = "month"
    search_fields = ["village_org__name"]
    list_select_related = ["village_org"]


@admin.register(NeedDeadlineTally)
class NeedDeadlineTallyAdmin(ReadOnlyAdmin):
    """Open and unfilled needs and claims awaiting confirmation per village and deadline
    month, kept by the database (pairing.need_deadline_tally): shown, never edited here;
    `manage.py need_deadline_tally --check/--rebuild` repairs them."""

    list_display = ["village_org", "deadline_month", "open", "unfilled", "waiting"]
    list_filter = ["deadline_month"]
    date_hierarchy = "deadline_month"
    search_fields = ["village_org__name"]
    list_select_related = ["village_org"]


@admin.register(VillagePairingTally)
class VillagePairingTallyAdmin(ReadOnlyAdmin):
    """Active pairings and aided households per village, kept by the database
    (pairing.village_tally): shown, never edited here; `manage.py village_tally
    --check/--rebuild` repairs them."""

    list_display = ["village_org", "active_pairings", "households"]
    search_fields = ["village_org__name"]
    list_select_related = ["village_org"]


@admin.register(VillageYearTally)
class VillageYearTallyAdmin(ReadOnlyAdmin):
    """Agreements filed and current projects per village and year, kept by the database
    (pairing.village_tally); `manage.py village_tally --check/--rebuild` repairs them."""

    list_display = ["village_org", "year", "agreements_filed", "projects", "budget"]
    list_filter = ["year"]
    search_fields = ["village_org__name"]
    list_select_related = ["village_org"]


@admin.register(NeedYearTally)
class NeedYearTallyAdmin(ReadOnlyAdmin):
    """Needs per village and year, the sums of the month tallies, kept by the database
    (pairing.village_tally); `manage.py village_tally --check/--rebuild` repairs them."""

    list_display = ["village_org", "year", "published", "claimed", "confirmed"]
    list_filter = ["year"]
    search_fields = ["village_org__name"]
    list_select_related = ["village_org"]
