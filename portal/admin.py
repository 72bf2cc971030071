"""Django admin for staff: Chinese verbose names, search and filters."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from portal.models import AuditEvent, GeneratedFile, Job, Organization, Person, RoleAssignment


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin, SimpleHistoryAdmin):
    form = movenodeform_factory(Organization, exclude=["path", "depth", "numchild"])
    list_display = ["name", "code", "kind", "party_org_type", "is_active"]
    list_filter = ["kind", "party_org_type", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["secretary"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "gender", "home_org", "phone", "is_party_member", "is_city_talent",
                    "is_cadre", "is_active"]
    list_filter = ["gender", "is_party_member", "is_city_talent", "is_cadre", "is_active"]
    search_fields = ["name", "id_number", "phone", "home_org__name"]
    raw_id_fields = ["home_org", "user"]
    list_select_related = ["home_org"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "org", "created_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "org__name"]
    raw_id_fields = ["user", "org", "created_by", "revoked_by"]
    list_select_related = ["user", "org"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action", "summary", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_name", "summary"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "owner", "status", "progress", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "owner__username"]
    raw_id_fields = ["owner", "scope_org", "output"]


@admin.register(GeneratedFile)
class GeneratedFileAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "size", "created_at"]
    search_fields = ["filename"]
    raw_id_fields = ["owner", "scope_org"]
