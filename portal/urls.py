"""Root URLs: the core's pages under the `portal` namespace; apps add theirs as they arrive."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.views import orgs, people, pickers, roles, search, system
from portal.views.generic import ListExportView

app_patterns = [
    path("", system.home, name="home"),
    path("orgs/", orgs.org_tree, name="org_tree"),
    path("orgs/<int:pk>/tree/", orgs.org_tree, name="org_tree_node"),
    path("orgs/<int:pk>/", orgs.org_detail, name="org_detail"),
    path("orgs/<int:parent_pk>/new/", orgs.OrgCreateView.as_view(), name="org_create"),
    path("orgs/<int:pk>/edit/", orgs.OrgEditView.as_view(), name="org_edit"),
    path("orgs/<int:pk>/move/", orgs.OrgMoveView.as_view(), name="org_move"),
    path("people/", people.PersonListView.as_view(), name="person_list"),
    path("people/new/", people.PersonCreateView.as_view(), name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.PersonEditView.as_view(), name="person_edit"),
    path("roles/", roles.RoleListView.as_view(), name="role_list"),
    path("roles/assign/", roles.RoleAssignView.as_view(), name="role_assign"),
    path("roles/<int:pk>/revoke/", roles.RoleRevokeView.as_view(), name="role_revoke"),
    path("search/", search.search, name="search"),
    path("search/suggest/", search.search_suggest, name="search_suggest"),
    path("pick/orgs/", pickers.pick_org, name="pick_org"),
    path("pick/people/", pickers.pick_person, name="pick_person"),
    path("export/list/<slug:identifier>/", ListExportView.as_view(), name="list_export"),
    path("audit/", system.audit_log, name="audit_log"),
    path("jobs/", system.job_list, name="job_list"),
    path("jobs/<uuid:job_uuid>/", system.job_detail, name="job_detail"),
    path("jobs/<uuid:job_uuid>/retry/", system.JobRetryView.as_view(), name="job_retry"),
    path("files/<uuid:file_uuid>/", system.download, name="download"),
    path("transfer/", include("portal.transfer_urls")),
]

urlpatterns = [
    path("", include((app_patterns, "portal"))),
    path("pairing/", include("pairing.urls")),
    path("alliances/", include("alliances.urls")),
    path("ledger/", include("ledger.urls")),
    path("assessment/", include("assessment.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(
        success_url="/"), name="password_change"),
    path("healthz", system.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "城乡党建统筹共建平台 管理后台"
admin.site.site_title = "党建共建平台"
admin.site.index_title = "系统管理"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
