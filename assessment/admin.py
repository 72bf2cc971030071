"""Django admin for 考核: actions and enrolments, schemes with their scoring tables, quarterly
runs and scores, entered points, village ratings of talents, annual gradings, appeals,
nominations and the 差 eligibility exceptions.

Organizations, people and users are autocomplete. Computed rows (quarter scores, their items,
annual grades) and the 差 exceptions are view-only: they change only by scoring again or through
their audited services, so every point and every exception stays explainable."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessment.models import (
    Action,
    AnnualGrade,
    Appeal,
    EligibilityOverride,
    Enrolment,
    Grading,
    Indicator,
    Nomination,
    QuarterScore,
    Scheme,
    ScoreEntry,
    ScoreItem,
    ScoringRun,
    TalentEvaluation,
)
from portal.admin import SelectRelatedMixin, WorkflowFieldsReadOnlyMixin, user_column


class ViewOnlyMixin:
    """Rows only the scoring and grading services write: view, never add, edit or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.display(description="考核对象")
def target_column(obj):
    return obj.target


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "assessing_body", "is_universal", "order", "is_active"]
    list_filter = ["is_universal", "is_active"]
    search_fields = ["name", "code", "assessing_body__name"]
    autocomplete_fields = ["assessing_body"]
    list_select_related = ["assessing_body"]


@admin.register(Enrolment)
class EnrolmentAdmin(SelectRelatedMixin, SimpleHistoryAdmin):
    changed_by_name = user_column("changed_by", "经办人")
    list_display = ["person", "org", "action", "year", "start_date", "end_date", "status",
                    "changed_by_name"]
    list_filter = ["year", "action", "status"]
    search_fields = ["person__name", "org__name"]
    # Exemptions and replacements go through their services (audited, with a reason).
    readonly_fields = ["status", "exempt_reason", "replaced_by", "replacement_reason",
                       "end_date", "changed_by"]
    autocomplete_fields = ["person", "org", "replaced_by", "changed_by"]
    list_select_related = ["person", "org", "action", "changed_by"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["order", "code", "name", "kind", "period", "metric", "rule", "max_points",
              "description"]


@admin.register(Scheme)
class SchemeAdmin(SimpleHistoryAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["name", "year", "version", "assessing_body", "target_kind", "action",
                    "start_date", "end_date", "locked_at", "created_by_name"]
    list_filter = ["year", "target_kind"]
    search_fields = ["name", "assessing_body__name"]
    autocomplete_fields = ["assessing_body", "supersedes", "created_by"]
    readonly_fields = ["locked_at"]
    list_select_related = ["assessing_body", "action", "created_by"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(SelectRelatedMixin, admin.ModelAdmin):
    list_display = ["name", "code", "scheme", "kind", "period", "metric", "max_points", "order"]
    list_filter = ["kind", "period", "scheme__year"]
    search_fields = ["name", "code", "scheme__name"]
    autocomplete_fields = ["scheme"]
    list_select_related = ["scheme"]


@admin.register(ScoringRun)
class ScoringRunAdmin(SelectRelatedMixin, WorkflowFieldsReadOnlyMixin, admin.ModelAdmin):
    published_by_name = user_column("published_by", "发布人")
    list_display = ["scheme", "quarter", "status", "cohort_size", "computed_at", "published_at",
                    "published_by_name"]
    list_filter = ["status", "quarter", "scheme__year"]
    search_fields = ["scheme__name", "scheme__assessing_body__name"]
    readonly_fields = ["cohort_size"]
    autocomplete_fields = ["scheme", "published_by"]
    list_select_related = ["scheme", "published_by"]


class ScoreItemInline(admin.TabularInline):
    model = ScoreItem
    fields = ["indicator", "value", "points", "source_ids", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")


@admin.register(QuarterScore)
class QuarterScoreAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["run", target_column, "total", "rank", "active_months", "vetoed"]
    list_filter = ["vetoed", "run__quarter", "run__scheme__year"]
    search_fields = ["person__name", "org__name", "alliance__name", "run__scheme__name"]
    list_select_related = ["run__scheme", "person", "org", "alliance"]
    inlines = [ScoreItemInline]


@admin.register(ScoreItem)
class ScoreItemAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["indicator", "score", "value", "points", "note"]
    list_filter = ["indicator__kind", "score__run__quarter"]
    search_fields = ["indicator__name", "score__person__name", "score__org__name",
                     "score__alliance__name"]
    list_select_related = ["indicator", "score__run__scheme", "score__person", "score__org",
                           "score__alliance"]


@admin.register(ScoreEntry)
class ScoreEntryAdmin(admin.ModelAdmin):
    entered_by_name = user_column("entered_by", "录入人")
    list_display = ["indicator", target_column, "quarter", "points", "level", "reason",
                    "entered_by_name", "entered_at"]
    list_filter = ["indicator__kind", "quarter", "level"]
    search_fields = ["indicator__name", "person__name", "org__name", "alliance__name", "reason"]
    autocomplete_fields = ["indicator", "person", "org", "alliance", "entered_by"]
    list_select_related = ["indicator", "person", "org", "alliance", "entered_by"]


@admin.register(TalentEvaluation)
class TalentEvaluationAdmin(admin.ModelAdmin):
    rated_by_name = user_column("rated_by", "评价人")
    list_display = ["person", "village", "year", "quarter", "rating", "rated_by_name",
                    "rated_at", "forwarded_at"]
    list_filter = ["year", "quarter", "rating"]
    search_fields = ["person__name", "village__name"]
    autocomplete_fields = ["village", "person", "rated_by"]
    list_select_related = ["person", "village", "rated_by"]


@admin.register(Grading)
class GradingAdmin(WorkflowFieldsReadOnlyMixin, SimpleHistoryAdmin):
    submitted_by_name = user_column("submitted_by", "报送人")
    filed_by_name = user_column("filed_by", "备案人")
    list_display = ["scheme", "status", "cohort_size", "poor_quota", "over_quota",
                    "excellent_cap", "submitted_by_name", "filed_by_name", "filed_at"]
    list_filter = ["status", "scheme__year"]
    search_fields = ["scheme__name", "scheme__assessing_body__name"]
    # The figures are the grading's own output: recomputed by grading again, never typed.
    readonly_fields = ["cohort_size", "poor_quota", "over_quota", "excellent_cap"]
    autocomplete_fields = ["scheme", "submitted_by", "filed_by"]
    list_select_related = ["scheme", "submitted_by", "filed_by"]


@admin.register(AnnualGrade)
class AnnualGradeAdmin(ViewOnlyMixin, SimpleHistoryAdmin):
    list_display = [target_column, "grading", "total", "rank", "computed_grade", "grade",
                    "poor_reason", "change_reason"]
    list_filter = ["grade", "poor_reason", "grading__scheme__year"]
    search_fields = ["person__name", "org__name", "alliance__name", "grading__scheme__name"]
    list_select_related = ["grading__scheme", "person", "org", "alliance"]


@admin.register(Appeal)
class AppealAdmin(WorkflowFieldsReadOnlyMixin, admin.ModelAdmin):
    filed_by_name = user_column("filed_by", "申诉人")
    decided_by_name = user_column("decided_by", "处理人")
    list_display = [target_column, "run", "status", "created_at", "filed_by_name",
                    "decided_by_name", "decided_at"]
    list_filter = ["status", "run__quarter"]
    search_fields = ["person__name", "org__name", "alliance__name", "reason", "decision"]
    autocomplete_fields = ["run", "person", "org", "alliance", "filed_by", "decided_by"]
    list_select_related = ["run__scheme", "person", "org", "alliance", "filed_by", "decided_by"]


@admin.register(Nomination)
class NominationAdmin(WorkflowFieldsReadOnlyMixin, admin.ModelAdmin):
    nominated_by_name = user_column("nominated_by", "推荐人")
    decided_by_name = user_column("decided_by", "审核人")
    list_display = [target_column, "year", "kind", "body", "status", "nominated_by_name",
                    "created_at", "decided_by_name", "decided_at"]
    list_filter = ["year", "kind", "status"]
    search_fields = ["person__name", "org__name", "alliance__name", "reason"]
    autocomplete_fields = ["body", "person", "org", "alliance", "nominated_by",
                           "decided_by"]
    list_select_related = ["person", "org", "alliance", "body", "nominated_by", "decided_by"]


@admin.register(EligibilityOverride)
class EligibilityOverrideAdmin(ViewOnlyMixin, admin.ModelAdmin):
    decided_by_name = user_column("decided_by", "决定人")
    list_display = ["grade", "reason", "decided_by_name", "decided_at"]
    search_fields = ["grade__person__name", "reason"]
    list_select_related = ["grade__grading__scheme", "grade__person", "grade__org",
                           "decided_by"]
