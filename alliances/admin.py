"""Django admin for 党建联盟: types, alliances with their members, venues and bookings, cross-
inspection rounds, inspections with their rectification items, project lists with their
quarterly updates, star ratings, the 擂台赛 with criteria, entrants, judges and scores,
meetings with their photos, the year-end review with its reports and peer scores, the service
menu with its votes, mentor pairs, the expert roster, and the member-development quota and
candidates (both with their history).

Organizations, people and users are autocomplete, and every changelist selects its related
rows. An alliance's page lists its members with the organization shown, not picked (a core
alliance has dozens: one autocomplete box per row would cost a query each), and adds new members
through autocomplete boxes below. A 擂台赛's page works the same way for its entrants and judges:
the alliance or user of a saved row is shown, new ones are picked below; its criteria are plain
rows. The judges' scores (judges × entrants × criteria) have their own changelist. A meeting's
photos, a review's reports and peer scores and a menu item's votes follow the same pattern."""

from django.contrib import admin
from django.db.models import Count, F, Q
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from alliances.models import (
    QUOTA_HOLDING,
    Alliance,
    AllianceType,
    AnnualReview,
    Booking,
    Competition,
    Criterion,
    DevelopmentCandidate,
    DevelopmentQuota,
    Entrant,
    Expert,
    Inspection,
    InspectionRound,
    Judge,
    JudgeScore,
    Meeting,
    MeetingPhoto,
    MemberReport,
    Membership,
    MentorPair,
    OwnerMemberTally,
    PeerScore,
    Project,
    ProjectUpdate,
    Rectification,
    ServiceMenuItem,
    ServiceVote,
    StarRating,
    Venue,
)
from portal.admin import (
    NewRowsInline,
    ReadOnlyAdmin,
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


@admin.register(OwnerMemberTally)
class OwnerMemberTallyAdmin(ReadOnlyAdmin):
    """Open alliances per owner and member organization, kept by the database
    (alliances.member_tally): shown, never edited here; `manage.py alliance_member_tally
    --check/--rebuild` repairs them."""

    list_display = ["owner", "org", "alliances"]
    search_fields = ["owner__name", "org__name"]
    list_select_related = ["owner", "org"]


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


def _save_new_rows(formset, user_field, user):
    """Save an inline's rows, stamping `user_field` of the new ones with the current user."""
    for row in formset.save(commit=False):
        if row.pk is None:
            setattr(row, user_field, user)
        row.save()
    for row in formset.deleted_objects:
        row.delete()


# --- Meetings and the year-end review ---

class MeetingPhotoInline(SavedRowsInline):
    """The photos so far: the caption can be corrected; who uploaded one is shown by name."""

    model = MeetingPhoto
    verbose_name_plural = "会议照片"
    fields = ["file", "caption", "uploader_name", "uploaded_at"]
    readonly_fields = ["file", "uploader_name", "uploaded_at"]
    related = ("uploaded_by",)

    uploader_name = user_column("uploaded_by", "上传人")


class NewMeetingPhotoInline(NewRowsInline):
    model = MeetingPhoto
    verbose_name_plural = "上传照片"
    fields = ["file", "caption"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["title", "alliance", "kind", "starts_at", "place", "host_org", "status",
                    "attendee_count", "created_by_name"]
    list_filter = ["kind", "status", "alliance__kind", "starts_at"]
    search_fields = ["title", "place", "alliance__name", "host_org__name", "minutes"]
    autocomplete_fields = ["alliance", "host_org", "attendees", "created_by"]
    list_select_related = ["alliance", "host_org", "created_by"]
    readonly_fields = ["created_at"]
    date_hierarchy = "starts_at"
    inlines = [MeetingPhotoInline, NewMeetingPhotoInline]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering: restate it, or autocomplete pages are unordered.
        return super().get_queryset(request).annotate(n_attendees=Count("attendees")) \
            .order_by(*Meeting._meta.ordering)

    @admin.display(description="参加人数", ordering="n_attendees")
    def attendee_count(self, obj):
        return obj.n_attendees

    def save_formset(self, request, form, formset, change):
        _save_new_rows(formset, "uploaded_by", request.user)


@admin.register(MeetingPhoto)
class MeetingPhotoAdmin(admin.ModelAdmin):
    uploader_name = user_column("uploaded_by", "上传人")
    list_display = ["caption", "meeting", "file", "uploader_name", "uploaded_at"]
    list_filter = ["meeting__kind", "uploaded_at"]
    search_fields = ["caption", "meeting__title", "meeting__alliance__name"]
    autocomplete_fields = ["meeting", "uploaded_by"]
    list_select_related = ["meeting", "uploaded_by"]
    readonly_fields = ["uploaded_at"]


class MemberReportInline(SavedRowsInline):
    """The reports so far: the member and the reporter are shown; the average and the rank are
    computed when the review closes."""

    model = MemberReport
    verbose_name_plural = "成员述职"
    fields = ["member", "reporter", "content", "peer_average", "rank"]
    readonly_fields = ["member", "reporter", "peer_average", "rank"]
    related = ("member", "reporter")


class NewMemberReportInline(NewRowsInline):
    model = MemberReport
    verbose_name_plural = "新增成员述职"
    fields = ["member", "reporter", "content"]
    autocomplete_fields = ["member", "reporter"]


class PeerScoreInline(SavedRowsInline):
    """The peer scores so far: who scored whom is shown, the score can be corrected."""

    model = PeerScore
    verbose_name_plural = "相互评分"
    fields = ["rater", "ratee", "score", "comment"]
    readonly_fields = ["rater", "ratee"]
    related = ("rater", "ratee")


class NewPeerScoreInline(NewRowsInline):
    model = PeerScore
    verbose_name_plural = "新增相互评分"
    fields = ["rater", "ratee", "score", "comment"]
    autocomplete_fields = ["rater", "ratee"]


@admin.register(AnnualReview)
class AnnualReviewAdmin(SelectRelatedMixin, admin.ModelAdmin):
    opened_by_name = user_column("opened_by", "发起人")
    list_display = ["alliance", "year", "status", "score", "opened_by_name", "opened_at",
                    "closed_at"]
    list_filter = ["year", "status", "alliance__kind"]
    search_fields = ["alliance__name", "summary"]
    autocomplete_fields = ["alliance", "opened_by"]
    list_select_related = ["alliance", "opened_by"]
    readonly_fields = ["opened_at"]
    inlines = [MemberReportInline, NewMemberReportInline, PeerScoreInline, NewPeerScoreInline]

    def save_formset(self, request, form, formset, change):
        stamp = "submitted_by" if formset.model is MemberReport else "scored_by"
        _save_new_rows(formset, stamp, request.user)


@admin.register(MemberReport)
class MemberReportAdmin(SelectRelatedMixin, admin.ModelAdmin):
    submitted_by_name = user_column("submitted_by", "提交人")
    list_display = ["member", "review", "reporter", "peer_average", "rank", "submitted_by_name",
                    "submitted_at"]
    list_filter = ["review__year", "review__status"]
    search_fields = ["member__name", "review__alliance__name", "reporter__name", "content"]
    autocomplete_fields = ["review", "member", "reporter", "submitted_by"]
    list_select_related = ["review__alliance", "member", "reporter", "submitted_by"]
    readonly_fields = ["submitted_at"]


@admin.register(PeerScore)
class PeerScoreAdmin(SelectRelatedMixin, admin.ModelAdmin):
    scored_by_name = user_column("scored_by", "评分人")
    list_display = ["ratee", "rater", "review", "score", "comment", "scored_by_name",
                    "scored_at"]
    list_filter = ["review__year", "review__status"]
    search_fields = ["ratee__name", "rater__name", "review__alliance__name", "comment"]
    autocomplete_fields = ["review", "rater", "ratee", "scored_by"]
    list_select_related = ["review__alliance", "rater", "ratee", "scored_by"]
    readonly_fields = ["scored_at"]


# --- The service menu ---

class ServiceVoteInline(SavedRowsInline):
    """The votes so far, shown by the voter's name; removing one takes its vote back."""

    model = ServiceVote
    verbose_name_plural = "投票"
    fields = ["voter_name", "voted_at"]
    readonly_fields = ["voter_name", "voted_at"]
    related = ("item", "voter")

    voter_name = user_column("voter", "投票人")


class NewServiceVoteInline(NewRowsInline):
    model = ServiceVote
    verbose_name_plural = "新增投票"
    fields = ["voter"]
    autocomplete_fields = ["voter"]


@admin.register(ServiceMenuItem)
class ServiceMenuItemAdmin(admin.ModelAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["title", "alliance", "channel", "status", "proposed_by_org", "provider",
                    "planned_date", "vote_count", "created_by_name", "created_at"]
    list_filter = ["channel", "status", "alliance__kind", "planned_date"]
    search_fields = ["title", "description", "alliance__name", "proposed_by_org__name",
                     "provider__name"]
    autocomplete_fields = ["alliance", "proposed_by_org", "provider", "created_by"]
    list_select_related = ["alliance", "proposed_by_org", "provider", "created_by"]
    # The count follows the vote rows: votes are added and removed below.
    readonly_fields = ["vote_count", "created_at"]
    inlines = [ServiceVoteInline, NewServiceVoteInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        item = form.instance
        ServiceMenuItem.objects.filter(pk=item.pk).update(vote_count=item.votes.count())


@admin.register(ServiceVote)
class ServiceVoteAdmin(SelectRelatedMixin, admin.ModelAdmin):
    voter_name = user_column("voter", "投票人")
    list_display = ["voter_name", "item", "voted_at"]
    list_filter = ["item__channel", "item__status"]
    search_fields = ["item__title", "item__alliance__name", "voter__first_name"]
    autocomplete_fields = ["item", "voter"]
    list_select_related = ["item", "voter"]
    readonly_fields = ["voted_at"]
    ordering = ["item", "voted_at", "id"]  # the model has none: autocomplete pages need one


# --- People across the alliance ---

@admin.register(MentorPair)
class MentorPairAdmin(SelectRelatedMixin, admin.ModelAdmin):
    created_by_name = user_column("created_by", "创建人")
    list_display = ["mentor", "mentee", "alliance", "started_on", "ended_on", "created_by_name"]
    list_filter = ["alliance__kind", "started_on", ("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["mentor__name", "mentee__name", "alliance__name", "goals"]
    autocomplete_fields = ["alliance", "mentor", "mentee", "created_by"]
    list_select_related = ["alliance", "mentor", "mentee", "created_by"]


@admin.register(Expert)
class ExpertAdmin(SelectRelatedMixin, admin.ModelAdmin):
    added_by_name = user_column("added_by", "登记人")
    list_display = ["person", "alliance", "specialties", "active", "added_by_name", "added_at"]
    list_filter = ["active", "alliance__kind", "alliance__type"]
    search_fields = ["person__name", "specialties", "alliance__name"]
    autocomplete_fields = ["alliance", "person", "added_by"]
    list_select_related = ["alliance", "person", "added_by"]
    readonly_fields = ["added_at"]


@admin.register(DevelopmentQuota)
class DevelopmentQuotaAdmin(SelectRelatedMixin, SimpleHistoryAdmin):
    set_by_name = user_column("set_by", "设定人")
    list_display = ["alliance", "year", "places", "places_held", "note", "set_by_name",
                    "set_at"]
    list_filter = ["year", "alliance__kind"]
    search_fields = ["alliance__name", "note"]
    autocomplete_fields = ["alliance", "set_by"]
    list_select_related = ["alliance", "set_by"]
    readonly_fields = ["set_at"]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering: restate it, or autocomplete pages are unordered.
        return super().get_queryset(request).annotate(n_held=Count(
            "alliance__candidates", filter=Q(alliance__candidates__year=F("year"),
                                             alliance__candidates__stage__in=QUOTA_HOLDING)),
        ).order_by(*DevelopmentQuota._meta.ordering)

    @admin.display(description="已使用指标", ordering="n_held")
    def places_held(self, obj):
        return obj.n_held


@admin.register(DevelopmentCandidate)
class DevelopmentCandidateAdmin(SelectRelatedMixin, SimpleHistoryAdmin):
    created_by_name = user_column("created_by", "录入人")
    list_display = ["person", "alliance", "branch", "recommended_by", "year", "stage",
                    "recommended_on", "training_since", "quota_granted_on", "admitted_on",
                    "created_by_name"]
    list_filter = ["stage", "year", "alliance__kind"]
    search_fields = ["person__name", "alliance__name", "branch__name", "recommended_by__name",
                     "reason"]
    autocomplete_fields = ["alliance", "person", "branch", "recommended_by", "created_by"]
    list_select_related = ["alliance", "person", "branch", "recommended_by", "created_by"]
