"""Django admin for 台账: themes, activities with participants and evidence, month reopenings,
民情诉求 and township half-year reports. Organizations, people and users are autocomplete."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ledger.models import (
    Activity,
    ActivityTheme,
    Evidence,
    MonthReopening,
    OrgMonthTally,
    PairedUnitMonthTally,
    Participation,
    PersonMonthTally,
    ReopenRequest,
    ResidentRequest,
    TalentMonthTally,
    TalentMonthTotal,
    TownshipMonthTally,
    TownshipReport,
    UnitMonthTally,
)
from portal.admin import WorkflowFieldsReadOnlyMixin, user_column


@admin.register(ActivityTheme)
class ActivityThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(Activity)
class ActivityAdmin(WorkflowFieldsReadOnlyMixin, SimpleHistoryAdmin):
    created_by_name = user_column("created_by", "登记人")
    list_display = ["title", "date", "org", "theme", "status", "beneficiaries", "funds",
                    "created_by_name"]
    list_filter = ["status", "theme"]
    search_fields = ["title", "org__name", "place"]
    # The theme list is a short reference table: a drop-down is the right picker there.
    autocomplete_fields = ["org", "pairing", "need", "confirmed_by", "created_by"]
    list_select_related = ["org", "theme", "created_by"]
    date_hierarchy = "date"


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["person", "activity", "org", "role", "hours"]
    list_filter = ["role"]
    search_fields = ["person__name", "activity__title", "activity__org__name"]
    autocomplete_fields = ["activity", "person"]
    list_select_related = ["person", "activity__org"]

    @admin.display(description="组织", ordering="activity__org__path")
    def org(self, obj):
        return obj.activity.org


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    uploaded_by_name = user_column("uploaded_by", "上传人")
    list_display = ["__str__", "kind", "activity", "size", "uploaded_by_name", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "activity__title", "activity__org__name"]
    autocomplete_fields = ["activity", "uploaded_by"]
    list_select_related = ["activity", "uploaded_by"]


@admin.register(MonthReopening)
class MonthReopeningAdmin(admin.ModelAdmin):
    reopened_by_name = user_column("reopened_by", "开放人")
    list_display = ["org", "year", "month", "reason", "reopened_by_name", "reopened_at",
                    "expires_at"]
    list_filter = ["year", "month"]
    search_fields = ["org__name", "reason"]
    autocomplete_fields = ["org", "reopened_by"]
    list_select_related = ["org", "reopened_by"]


@admin.register(ReopenRequest)
class ReopenRequestAdmin(admin.ModelAdmin):
    requested_by_name = user_column("requested_by", "申请人")
    handled_by_name = user_column("handled_by", "处理人")
    list_display = ["org", "year", "month", "status", "reason", "requested_by_name",
                    "requested_at", "handled_by_name", "handled_at"]
    list_filter = ["status", "year", "month"]
    search_fields = ["org__name", "reason"]
    autocomplete_fields = ["org", "activity", "requested_by", "handled_by"]
    list_select_related = ["org", "requested_by", "handled_by"]


@admin.register(ResidentRequest)
class ResidentRequestAdmin(WorkflowFieldsReadOnlyMixin, admin.ModelAdmin):
    judged_by_name = user_column("judged_by", "研判人")
    list_display = ["date", "village_org", "category", "raised_by", "status", "judged_by_name"]
    list_filter = ["status", "category"]
    search_fields = ["content", "raised_by", "village_org__name"]
    autocomplete_fields = ["village_org", "judged_by", "need", "recorded_by"]
    list_select_related = ["village_org", "judged_by"]
    date_hierarchy = "date"


@admin.register(TownshipReport)
class TownshipReportAdmin(WorkflowFieldsReadOnlyMixin, SimpleHistoryAdmin):
    filed_by_name = user_column("filed_by", "备案人")
    list_display = ["township", "year", "half", "status", "submitted_at", "filed_at",
                    "filed_by_name"]
    list_filter = ["status", "year", "half"]
    search_fields = ["township__name"]
    autocomplete_fields = ["township", "filed_by"]
    list_select_related = ["township", "filed_by"]


class TallyAdmin(admin.ModelAdmin):
    """Monthly tallies are kept by the database (ledger/tallies.py): shown, never edited here;
    `manage.py ledger_tallies --check/--rebuild` repairs them."""

    list_filter = ["month"]
    date_hierarchy = "month"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrgMonthTally)
class OrgMonthTallyAdmin(TallyAdmin):
    list_display = ["org", "pairing_id", "month", "activities"]
    search_fields = ["org__name"]
    list_select_related = ["org"]


@admin.register(PersonMonthTally)
class PersonMonthTallyAdmin(TallyAdmin):
    list_display = ["person", "org", "month", "participations"]
    search_fields = ["person__name", "org__name"]
    list_select_related = ["person", "org"]


@admin.register(TalentMonthTally)
class TalentMonthTallyAdmin(TallyAdmin):
    list_display = ["person", "month", "participations"]
    search_fields = ["person__name"]
    list_select_related = ["person"]


@admin.register(TalentMonthTotal)
class TalentMonthTotalAdmin(TallyAdmin):
    list_display = ["month", "bucket", "talents", "participations"]


@admin.register(UnitMonthTally)
class UnitMonthTallyAdmin(TallyAdmin):
    list_display = ["unit", "org", "pairing_id", "month", "activities"]
    search_fields = ["unit__name", "org__name"]
    list_select_related = ["unit", "org"]


@admin.register(TownshipMonthTally)
class TownshipMonthTallyAdmin(TallyAdmin):
    list_display = ["township", "kind", "org_active", "month", "activities", "participations",
                    "active_orgs"]
    list_filter = ["month", "kind", "org_active"]
    search_fields = ["township"]


@admin.register(PairedUnitMonthTally)
class PairedUnitMonthTallyAdmin(TallyAdmin):
    """Kept by ledger/unit_tally.py; `manage.py unit_tally --check/--rebuild` repairs it."""

    list_display = ["unit", "month", "activities"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]
