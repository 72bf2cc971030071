"""Django admin for 党建联盟: types, alliances with their members, venues and bookings, cross-
inspection rounds, inspections with their rectification items, project lists with their
quarterly updates, star ratings, and the 擂台赛 with criteria, entrants, judges and scores.

Organizations, people and users are autocomplete, and every changelist selects its related
rows. An alliance's page lists its members with the organization shown, not picked (a core
alliance has dozens: one autocomplete box per row would cost a query each), and adds new members
through autocomplete boxes below. A 擂台赛's page works the same way for its entrants and judges:
the alliance or user of a saved row is shown, new ones are picked below; its criteria are plain
rows. The judges' scores (judges × entrants × criteria) have their own changelist."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from alliances.models import (
    Alliance,
    AllianceType,
    Booking,
    Competition,
    Criterion,
    Entrant,
    Inspection,
    InspectionRound,
    Judge,
    JudgeScore,
    Membership,
    Project,
    ProjectUpdate,
    Rectification,
    StarRating,
    Venue,
)
from portal.admin import (
    NewRowsInline,
    SavedRowsInline,
    SelectRelatedMixin,
    person_name,
    user_column,
)


@admin.register(AllianceType)
class AllianceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "colour_swatch", "description", "order"]
    search_fields = ["name", "code"]

    @admin.display(description="颜色", ordering="colour")
    def colour_swatch(self, obj):
        return format_html('<span style="display:inline-block;width:1em;height:1em;'
                           'background:{};vertical-align:middle"></span> {}',
                           obj.colour, obj.colour)


class MembershipInline(SavedRowsInline):
    """The members so far: the organization is shown, the dates can be corrected."""

    model = Membership
    verbose_name_plural = "成员组织"
    fields = ["org", "joined_on", "left_on", "left_reason"]
    readonly_fields = ["org"]
    related = ("alliance", "org")  # for __str__
    can_delete = False  # a member leaves with a date and a reason: the row stays as history


class NewMembershipInline(NewRowsInline):
    model = Membership
    verbose_name_plural = "新增成员"
    fields = ["org", "joined_on"]
    autocomplete_fields = ["org"]


@admin.register(Alliance)
class AllianceAdmin(SimpleHistoryAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["name", "kind", "type", "owner", "parent", "lead_org", "leader",
                    "member_count", "founded", "closed_at", "is_demonstration",
                    "created_by_name"]
    list_filter = ["kind", "type", "is_demonstration", "closed_at"]
    search_fields = ["name", "owner__name", "lead_org__name"]
    # The type is a short reference table: a drop-down is the right picker there.
    autocomplete_fields = ["owner", "parent", "lead_org", "leader", "created_by"]
    list_select_related = ["type", "owner", "parent", "lead_org", "leader", "created_by"]
    readonly_fields = ["created_at"]
    inlines = [MembershipInline, NewMembershipInline]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering: restate it, or autocomplete pages are unordered.
        return super().get_queryset(request).annotate(
            current_members=Count("memberships", filter=Q(memberships__left_on__isnull=True)),
        ).order_by(*Alliance._meta.ordering)

    @admin.display(description="成员数", ordering="current_members")
    def member_count(self, obj):
        return obj.current_members

    def save_formset(self, request, form, formset, change):
        for membership in formset.save(commit=False):
            if membership.pk is None:
                membership.added_by = request.user
            membership.save()
        for membership in formset.deleted_objects:
            membership.delete()


@admin.register(Membership)
class MembershipAdmin(SelectRelatedMixin, admin.ModelAdmin):
    added_by_name = user_column("added_by", "经办人")
    list_display = ["org", "alliance", "joined_on", "left_on", "left_reason", "added_by_name"]
    list_filter = ["alliance__kind", "alliance__type", "left_on"]
    search_fields = ["org__name", "alliance__name", "left_reason"]
    autocomplete_fields = ["alliance", "org", "added_by"]
    list_select_related = ["alliance", "org", "added_by"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "alliance", "org", "capacity", "opening_hours", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address", "alliance__name", "org__name"]
    autocomplete_fields = ["alliance", "org"]
    list_select_related = ["alliance", "org"]


@admin.register(Booking)
class BookingAdmin(SelectRelatedMixin, admin.ModelAdmin):
    booked_by_name = user_column("booked_by", "预约人")
    list_display = ["venue", "start", "end", "org", "purpose", "attendees", "status",
                    "booked_by_name", "created_at"]
    list_filter = ["status", "venue__kind"]
    search_fields = ["venue__name", "org__name", "purpose"]
    autocomplete_fields = ["venue", "org", "booked_by"]
    list_select_related = ["venue", "org", "booked_by"]
    date_hierarchy = "start"


@admin.register(InspectionRound)
class InspectionRoundAdmin(admin.ModelAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["title", "owner", "seed", "due", "created_by_name", "created_at"]
    search_fields = ["title", "owner__name"]
    autocomplete_fields = ["owner", "created_by"]
    list_select_related = ["owner", "created_by"]


class RectificationInline(admin.TabularInline):
    model = Rectification
    fields = ["item", "deadline", "closed_at", "closing_note", "closed_by"]
    autocomplete_fields = ["closed_by"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("closed_by")


@admin.register(Inspection)
class InspectionAdmin(SelectRelatedMixin, admin.ModelAdmin):
    recorded_by_name = user_column("recorded_by", "录入人")
    list_display = ["inspector", "inspected", "round", "inspected_on", "score",
                    "recorded_by_name"]
    list_filter = ["round__due", "inspected_on"]
    search_fields = ["inspector__name", "inspected__name", "round__title", "findings"]
    autocomplete_fields = ["round", "inspector", "inspected", "recorded_by"]
    list_select_related = ["round", "inspector", "inspected", "recorded_by"]
    inlines = [RectificationInline]


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    closed_by_name = user_column("closed_by", "整改确认人")
    list_display = ["item", "inspection", "deadline", "closed_at", "closing_note",
                    "closed_by_name"]
    list_filter = ["deadline", "closed_at"]
    search_fields = ["item", "inspection__inspected__name", "inspection__inspector__name"]
    autocomplete_fields = ["inspection", "closed_by"]
    list_select_related = ["inspection__inspector", "inspection__inspected", "closed_by"]


class ProjectUpdateInline(admin.TabularInline):
    """The quarterly updates; who filed one is shown by name (a new one is filed by the
    current user), not picked per row."""

    model = ProjectUpdate
    fields = ["year", "quarter", "progress", "note", "evidence", "recorded_by_name",
              "recorded_at"]
    readonly_fields = ["recorded_by_name", "recorded_at"]
    extra = 0

    recorded_by_name = user_column("recorded_by", "填报人")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "recorded_by")


@admin.register(Project)
class ProjectAdmin(SelectRelatedMixin, admin.ModelAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["name", "alliance", "member", "owner", "start_date", "end_date", "budget",
                    "status", "progress", "secretary_led", "secretary", "created_by_name"]
    list_filter = ["status", "secretary_led", "alliance__kind", "end_date"]
    search_fields = ["name", "alliance__name", "member__name", "owner__name",
                     "secretary__name"]
    autocomplete_fields = ["alliance", "member", "owner", "secretary", "created_by"]
    list_select_related = ["alliance", "member", "owner", "secretary", "created_by"]
    readonly_fields = ["created_at"]
    inlines = [ProjectUpdateInline]

    def save_formset(self, request, form, formset, change):
        for update in formset.save(commit=False):
            if update.pk is None:
                update.recorded_by = request.user
            update.save()
        for update in formset.deleted_objects:
            update.delete()


@admin.register(ProjectUpdate)
class ProjectUpdateAdmin(SelectRelatedMixin, admin.ModelAdmin):
    recorded_by_name = user_column("recorded_by", "填报人")
    list_display = ["project", "year", "quarter", "progress", "note", "evidence",
                    "recorded_by_name", "recorded_at"]
    list_filter = ["year", "quarter"]
    search_fields = ["project__name", "project__alliance__name", "note"]
    autocomplete_fields = ["project", "recorded_by"]
    list_select_related = ["project", "recorded_by"]
    readonly_fields = ["recorded_at"]


@admin.register(StarRating)
class StarRatingAdmin(SelectRelatedMixin, admin.ModelAdmin):
    rated_by_name = user_column("rated_by", "评定人")
    list_display = ["alliance", "year", "quarter", "stars", "score", "source", "reason",
                    "rated_by_name", "rated_at"]
    list_filter = ["year", "quarter", "stars", "source"]
    search_fields = ["alliance__name", "reason"]
    autocomplete_fields = ["alliance", "rated_by"]
    list_select_related = ["alliance", "rated_by"]
    readonly_fields = ["rated_at"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["name", "weight", "order"]
    extra = 0


class EntrantInline(SavedRowsInline):
    """The entrants so far: the alliance is shown, the topic can be corrected."""

    model = Entrant
    verbose_name_plural = "参赛联盟"
    fields = ["alliance", "topic"]
    readonly_fields = ["alliance"]
    related = ("alliance",)


class NewEntrantInline(NewRowsInline):
    model = Entrant
    verbose_name_plural = "新增参赛联盟"
    fields = ["alliance", "topic"]
    autocomplete_fields = ["alliance"]


class JudgeInline(SavedRowsInline):
    """The judges so far, shown by name; removing one deletes the scores they gave."""

    model = Judge
    verbose_name_plural = "评委"
    fields = ["judge_name"]
    readonly_fields = ["judge_name"]
    related = ("user",)

    judge_name = user_column("user", "评委")


class NewJudgeInline(NewRowsInline):
    model = Judge
    verbose_name_plural = "新增评委"
    fields = ["user"]
    autocomplete_fields = ["user"]


@admin.register(Competition)
class CompetitionAdmin(SelectRelatedMixin, admin.ModelAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["title", "owner", "year", "half", "held_on", "status", "published_at",
                    "entrant_count", "created_by_name"]
    list_filter = ["year", "half", "status"]
    search_fields = ["title", "owner__name"]
    autocomplete_fields = ["owner", "created_by"]
    list_select_related = ["owner", "created_by"]
    inlines = [CriterionInline, EntrantInline, NewEntrantInline, JudgeInline, NewJudgeInline]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering: restate it, or autocomplete pages are unordered.
        return super().get_queryset(request).annotate(n_entrants=Count("entrants")) \
            .order_by(*Competition._meta.ordering)

    @admin.display(description="参赛联盟数", ordering="n_entrants")
    def entrant_count(self, obj):
        return obj.n_entrants


@admin.register(Criterion)
class CriterionAdmin(SelectRelatedMixin, admin.ModelAdmin):
    list_display = ["name", "competition", "weight", "order"]
    search_fields = ["name", "competition__title"]
    autocomplete_fields = ["competition"]
    list_select_related = ["competition"]


@admin.register(Entrant)
class EntrantAdmin(SelectRelatedMixin, admin.ModelAdmin):
    list_display = ["alliance", "competition", "topic"]
    list_filter = ["competition__year", "competition__half"]
    search_fields = ["alliance__name", "competition__title", "topic"]
    autocomplete_fields = ["competition", "alliance"]
    list_select_related = ["competition", "alliance"]


@admin.register(Judge)
class JudgeAdmin(SelectRelatedMixin, admin.ModelAdmin):
    judge_name = user_column("user", "评委")
    list_display = ["judge_name", "competition"]
    list_filter = ["competition__year", "competition__half"]
    search_fields = ["user__first_name", "competition__title"]
    autocomplete_fields = ["competition", "user"]
    list_select_related = ["competition", "user"]
    ordering = ["competition", "id"]  # the model has none: autocomplete pages need one


@admin.register(JudgeScore)
class JudgeScoreAdmin(SelectRelatedMixin, admin.ModelAdmin):
    list_display = ["judge_column", "entrant", "criterion", "score", "scored_at"]
    list_filter = ["entrant__competition__year", "entrant__competition__half"]
    search_fields = ["entrant__alliance__name", "judge__user__first_name", "criterion__name"]
    autocomplete_fields = ["judge", "entrant", "criterion"]
    list_select_related = ["judge__user", "entrant__alliance", "criterion"]
    readonly_fields = ["scored_at"]

    @admin.display(description="评委", ordering="judge__user__first_name")
    def judge_column(self, obj):
        return person_name(obj.judge.user)
