"""Project list pages (项目清单): an alliance's common and individual lists, a project with its
quarterly updates and evidence, the project and update forms, and 书记党建任务清单 — the signed-in
secretary's own secretary-led projects.

Every page fetches through the scope (404 outside it: an alliance through
`Alliance.visible_to`, a project through `visible_projects`) and then checks the capability
(403). The rules live in alliances.services.projects.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from alliances.forms.projects import ProjectForm, ProjectUpdateForm
from alliances.models import Alliance, Project, ProjectStatus, ProjectUpdate
from alliances.services import projects as services
from portal.models import Organization, Person
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page, stored_file_response
from portal.views.generic import ServiceFormView

PROJECT_RELATED = ("alliance__type", "alliance__owner", "alliance__lead_org", "member",
                   "owner", "secretary")


def _member_filter(request, members):
    """The list shown: "" all, "common", or a current member's id (anything else: all)."""
    value = request.GET.get("list", "")
    if value == "common" or value in {str(m.pk) for m in members}:
        return value
    return ""


@login_required
def alliance_projects(request, pk):
    """联盟项目清单: the common list first, then each member's individual list."""
    user = request.user
    alliance = get_object_or_404(Alliance.objects.visible_to(user, "alliance.view")
                                 .select_related("type", "owner"), pk=pk)
    members = list(Organization.objects.filter(
        alliance_memberships__alliance=alliance, alliance_memberships__left_on__isnull=True)
        .only("id", "name", "path").order_by("path"))
    shown = _member_filter(request, members)
    rows = (alliance.projects.select_related("member", "owner", "secretary")
            .order_by(F("member__path").asc(nulls_first=True), "end_date", "id"))
    if shown == "common":
        rows = rows.filter(member__isnull=True)
    elif shown:
        rows = rows.filter(member_id=int(shown))
    page = paginate(request, rows)
    today = timezone.localdate()
    for project in page:
        project.late = services.is_late(project, today)
    may_add = alliance.is_open and (services.manages(user, alliance)
                                    or services.editable_members(user, alliance).exists())
    return render(request, "alliances/projects/alliance_projects.html", {
        "alliance": alliance, "page": page, "members": members, "shown": shown,
        "may_add": may_add, "query_string": query_without_page(request),
    })


@login_required
def project_detail(request, pk):
    """A project, its quarterly updates and their evidence."""
    user = request.user
    project = get_object_or_404(services.visible_projects(user)
                                .select_related(*PROJECT_RELATED), pk=pk)
    updates = list(project.updates.select_related("recorded_by"))
    return render(request, "alliances/projects/project_detail.html", {
        "project": project, "alliance": project.alliance, "updates": updates,
        "late": services.is_late(project, timezone.localdate()),
        "may_edit": services.may_edit_list(user, project.alliance, project.member),
        "may_update": (project.status != ProjectStatus.STOPPED
                       and services.may_record_update(user, project)),
    })


@login_required
def update_evidence(request, pk):
    """The evidence file of one quarterly update, for whoever sees the project."""
    update = get_object_or_404(ProjectUpdate.objects.filter(
        project__in=services.visible_projects(request.user).values("pk")), pk=pk)
    if not update.evidence:
        raise Http404("没有佐证材料。")
    return stored_file_response(update.evidence,
                                f"项目佐证-{update.project_id}-{update.year}Q{update.quarter}")


@login_required
def my_tasks(request):
    """书记党建任务清单: the projects the signed-in user's person leads as secretary (书记领办),
    with their progress, this quarter's update and the next deadline."""
    user = request.user
    if not has_capability(user, "alliance.view"):
        raise PermissionDenied("您没有查看党建联盟的权限。")
    person = Person.objects.filter(user=user).first()
    today = timezone.localdate()
    year, quarter = services.quarter_of(today)
    rows = Project.objects.none()
    if person is not None:
        rows = (services.visible_projects(user)
                .filter(secretary_led=True, secretary=person)
                .select_related("alliance", "member")
                .annotate(reported=Exists(ProjectUpdate.objects.filter(
                    project=OuterRef("pk"), year=year, quarter=quarter)))
                .order_by("end_date", "id"))
    page = paginate(request, rows)
    due = services.quarter_end(year, quarter)
    for project in page:
        project.late = services.is_late(project, today)
        finished = project.status in services.FINISHED
        project.update_due = not finished and not project.reported
        project.next_deadline = None if finished else (
            min(due, project.end_date) if project.update_due and project.end_date >= today
            else project.end_date)
    return render(request, "alliances/projects/my_tasks.html", {
        "person": person, "page": page, "year": year, "quarter": quarter, "due": due,
    })


class ProjectScopeMixin:
    """Fetch the project through `visible_projects` (404 outside it)."""

    pk_url_kwarg = "pk"

    def get_object(self):
        queryset = services.visible_projects(self.request.user).select_related(*PROJECT_RELATED)
        return get_object_or_404(queryset, pk=self.kwargs[self.pk_url_kwarg])


class ProjectCreateView(ServiceFormView):
    """新建项目: the common list (the alliance's managers) or a member's individual list (also
    the member's own secretary or contact)."""

    queryset = Alliance.objects.select_related("owner", "lead_org")
    visible_action = "alliance.view"
    form_class = ProjectForm
    title = "新建项目：{obj.name}"
    service = services.create_project
    success_message = "已新建项目“{result.name}”。"

    def check_permission(self, alliance):
        user = self.request.user
        if not (services.manages(user, alliance)
                or services.editable_members(user, alliance).exists()):
            raise PermissionDenied("只有联盟管理员或成员组织可以编制项目清单。")

    def refusal(self, alliance):
        return "" if alliance.is_open else "该联盟已结束，不能再添加项目。"

    def extra_form_kwargs(self, alliance):
        member = None
        if self.request.method == "GET" and self.request.GET.get("member", "").isdigit():
            member = Organization.objects.filter(pk=int(self.request.GET["member"])).first()
        return {"user": self.request.user, "alliance": alliance, "member": member}

    def get_cancel_url(self, alliance):
        return reverse("alliances:alliance_projects", args=[alliance.pk])


class ProjectEditView(ProjectScopeMixin, ServiceFormView):
    """修改项目: details, 书记领办 and status."""

    queryset = Project.objects.all()
    form_class = ProjectForm
    title = "修改项目：{obj.name}"
    service = services.edit_project
    success_message = "已保存“{result.name}”。"

    def check_permission(self, project):
        if not services.may_edit_list(self.request.user, project.alliance, project.member):
            raise PermissionDenied("您没有修改该项目的权限。")

    def extra_form_kwargs(self, project):
        return {"user": self.request.user, "alliance": project.alliance, "project": project}


class ProjectUpdateCreateView(ProjectScopeMixin, ServiceFormView):
    """填报季度进展: progress, what was done, and optional evidence."""

    queryset = Project.objects.all()
    form_class = ProjectUpdateForm
    title = "填报季度进展：{obj.name}"
    submit_label = "提交进展"
    multipart = True
    service = services.record_update

    def check_permission(self, project):
        if not services.may_record_update(self.request.user, project):
            raise PermissionDenied("您没有填报该项目进展的权限。")

    def refusal(self, project):
        return "该项目已终止，不能填报进展。" if project.status == ProjectStatus.STOPPED else ""

    def extra_form_kwargs(self, project):
        return {"project": project}

    def get_success_message(self, project, update):
        return f"已填报{update.year}年第{update.quarter}季度进展（{update.progress}%）。"

    def get_success_url(self, project, update):
        return project.get_absolute_url()
