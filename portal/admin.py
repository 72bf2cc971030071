"""Django admin for staff: Chinese verbose names, search and filters.

Every foreign key to an organization, a person or a user is an autocomplete box (a county has
hundreds of orgs and thousands of people), and every changelist selects its related rows."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from portal.models import (
    AuditEvent,
    GeneratedFile,
    Job,
    Organization,
    OrgPeopleTally,
    Person,
    RoleAssignment,
    TownshipOrgTally,
)
from portal.services import do_revoke_role
from portal.templatetags.portal_tags import person_name


def user_column(field, description):
    """A changelist column showing the user in `field` by name, not by login name."""

    @admin.display(description=description, ordering=f"{field}__first_name")
    def column(model_admin, obj):
        return person_name(getattr(obj, field))

    return column


class SelectRelatedMixin:
    """For models whose __str__ reads related rows: autocomplete answers select them too.

    Once get_queryset selects anything the changelist skips list_select_related, so this
    selects all of it."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records written only by services (audit rows, transition logs): view, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SavedRowsInline(admin.TabularInline):
    """An inline's saved rows, their key shown as text (an autocomplete box on every saved row
    costs a query each): no adding here — a `NewRowsInline` below takes new rows. The
    `related` fields are selected with the rows."""

    extra = 0
    related = ()

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.related)


class NewRowsInline(admin.TabularInline):
    """Blank rows to add, each key picked by autocomplete; the saved rows are in the
    `SavedRowsInline` beside it."""

    extra = 1

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class WorkflowFieldsReadOnlyMixin:
    """A workflow's state moves only through its services (rules, month locks, audit rows):
    in admin the state fields and their who/when fields are read-only."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if getattr(self.model, "workflow", None) is not None:
            fields += [f.name for f in self.model._meta.fields if f.name not in fields and (
                f.name == "status" or f.name.endswith(("_status", "_at", "_by")))]
        return fields


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin, SimpleHistoryAdmin):
    form = movenodeform_factory(Organization, exclude=["path", "depth", "numchild"])
    list_display = ["name", "code", "kind", "party_org_type", "secretary", "is_active"]
    list_filter = ["kind", "party_org_type", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["secretary"]
    list_select_related = ["secretary"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "gender", "home_org", "phone", "is_party_member", "is_city_talent",
                    "is_cadre", "is_active"]
    list_filter = ["gender", "is_party_member", "is_city_talent", "is_cadre", "is_active"]
    search_fields = ["name", "id_number", "phone", "home_org__name"]
    autocomplete_fields = ["home_org", "user"]
    list_select_related = ["home_org"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    user_name = user_column("user", "用户")
    list_display = ["user_name", "role", "org", "created_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__first_name", "user__last_name", "user__username", "org__name"]
    autocomplete_fields = ["user", "org", "created_by", "revoked_by"]
    list_select_related = ["user", "org"]
    actions = ["revoke_selected"]

    # A grant is revoked through the service (which keeps the county's last county_admin and
    # one's own last managing role), never edited or deleted here.
    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["created_by", "created_at", "revoked_by", "revoked_at"]
        return ["user", "org", "role", "created_by", "created_at", "revoked_by", "revoked_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="撤销所选角色")
    def revoke_selected(self, request, queryset):
        revoked = 0
        for assignment in queryset.filter(revoked_at__isnull=True).select_related("user", "org"):
            try:
                do_revoke_role(assignment, actor=request.user)
            except ValidationError as refusal:
                self.message_user(request, f"{assignment}：{'；'.join(refusal.messages)}",
                                  messages.ERROR)
            except PermissionDenied as refusal:
                self.message_user(request, f"{assignment}：{refusal}", messages.ERROR)
            else:
                revoked += 1
        if revoked:
            self.message_user(request, f"已撤销 {revoked} 个角色。", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_display", "action", "summary", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_name", "actor__first_name", "actor__last_name", "summary"]
    list_select_related = ["actor"]

    @admin.display(description="操作人")
    def actor_display(self, obj):
        # The account may be gone (SET_NULL); the login name written at the time remains.
        return person_name(obj.actor) if obj.actor_id else obj.actor_name


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    owner_name = user_column("owner", "发起人")
    list_display = ["title", "kind", "owner_name", "scope_org", "status", "progress",
                    "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "owner__first_name", "owner__last_name", "owner__username"]
    autocomplete_fields = ["owner", "scope_org", "output"]
    list_select_related = ["owner", "scope_org"]


@admin.register(GeneratedFile)
class GeneratedFileAdmin(admin.ModelAdmin):
    owner_name = user_column("owner", "生成人")
    list_display = ["filename", "owner_name", "scope_org", "size", "created_at"]
    list_filter = ["mimetype"]
    ordering = ["-created_at", "-id"]
    search_fields = ["filename", "owner__first_name", "owner__last_name"]
    autocomplete_fields = ["owner", "scope_org"]
    list_select_related = ["owner", "scope_org"]


@admin.register(TownshipOrgTally)
class TownshipOrgTallyAdmin(ReadOnlyAdmin):
    """Organizations per township, kind and state, kept by the database (portal.org_tally):
    shown, never edited here; `manage.py org_tally --check/--rebuild` repairs them."""

    list_display = ["township", "kind", "is_active", "orgs"]
    list_filter = ["kind", "is_active"]
    search_fields = ["township"]


@admin.register(OrgPeopleTally)
class OrgPeopleTallyAdmin(ReadOnlyAdmin):
    """People per organization, kept by the database (portal.people_tally): shown, never edited
    here; `manage.py people_tally --check/--rebuild` repairs them."""

    list_display = ["org", "people", "active", "members", "talents"]
    search_fields = ["org__name"]
    list_select_related = ["org"]
