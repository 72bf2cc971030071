"""The generic views every page is declared with (NetBox's object views, pretix's order
actions, cut to what this portal needs).

A page declares its queryset, capability, form and service; these classes do the rest the same
way everywhere:
- the scoped fetch: an object outside the user's scope is not found (404);
- the capability check, before any state rule (403 for a role that lacks it);
- the service call `service(obj, *, actor, **cleaned_data)`, run again after a transient
  database conflict (portal.transient); a `ValidationError` it raises becomes a message
  (actions) or form errors (form pages) — this module is the only view code that catches it;
- the success message and the redirect (a same-host `next` wins).

    class ActivityConfirmView(ObjectActionView):
        queryset = Activity.objects.select_related("org")
        transition = "confirm"                 # capability and guard from Activity.workflow
        service = services.do_confirm_activity
        success_message = "已确认“{obj.title}”。"
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic.base import ContextMixin, TemplateResponseMixin

from portal.scope import has_capability
from portal.transient import retrying
from portal.views.common import (
    add_service_errors,
    error_text,
    paginate,
    query_without_page,
    redirect_back,
)
from portal.widgets import use_pickers
from portal.workflow import workflow_of


class ScopedObjectMixin:
    """Fetch the URL's object through the scope (404 outside it) and check the capability (403).

    `capability` is checked on `capability_orgs(obj)` (holding it on one of them suffices);
    a workflow `transition` instead takes its capability and guard from the model's workflow.
    """

    queryset = None
    visible_action = "view"
    pk_url_kwarg = "pk"
    capability = ""
    transition = ""
    denied_message = "您没有执行此操作的权限。"

    def get_queryset(self):
        if self.queryset is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a queryset")
        return self.queryset.all()

    def get_object(self):
        queryset = self.get_queryset().visible_to(self.request.user, self.visible_action)
        return get_object_or_404(queryset, pk=self.kwargs[self.pk_url_kwarg])

    def capability_orgs(self, obj):
        return [obj.org]

    def check_permission(self, obj):
        user = self.request.user
        if self.transition:
            workflow = workflow_of(obj)
            if not workflow.permitted(obj, self.transition, user):
                raise PermissionDenied(workflow[self.transition].denied)
        if self.capability and not any(has_capability(user, self.capability, org)
                                       for org in self.capability_orgs(obj)):
            raise PermissionDenied(self.denied_message)


def _object_url(obj):
    return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else None


class ServiceMixin:
    """Call the page's service and say what happened."""

    service = None
    success_message = ""  # formatted with obj= and result=, e.g. "已确认“{obj.title}”。"
    success_url = ""  # a URL name without arguments; by default the result's (or object's) page
    url_anchor = ""  # appended to the object's page, e.g. "#evidence"

    def call_service(self, obj, **cleaned):
        service = type(self).service
        if obj is None:
            return service(actor=self.request.user, **cleaned)
        return service(obj, actor=self.request.user, **cleaned)

    def run_service(self, obj, **cleaned):
        """`call_service`, tried again after a deadlock or serialization failure: a service is
        one transaction that re-reads what it changes, so a second run is safe; when the
        conflict persists, a ValidationError (code "busy") the caller shows as a refusal."""
        return retrying(self.service_attempt, obj, **cleaned)

    def service_attempt(self, obj, **cleaned):
        """One try of `call_service` (a form page first undoes what a rolled-back try left)."""
        return self.call_service(obj, **cleaned)

    def get_success_message(self, obj, result):
        return self.success_message.format(obj=obj, result=result)

    def get_success_url(self, obj, result):
        if self.success_url:
            return reverse(self.success_url)
        target = result if isinstance(result, Model) and _object_url(result) else obj
        return _object_url(target) + self.url_anchor

    def get_failure_url(self, obj):
        return _object_url(obj) + self.url_anchor


class ObjectActionView(LoginRequiredMixin, ScopedObjectMixin, ServiceMixin, View):
    """A POST action on one object: fetch (404), permission (403), optional form, service,
    message, redirect. A refused action changes nothing and says why."""

    http_method_names = ["post"]
    form_class = None
    error_prefix = ""

    def get_form(self, obj):
        return self.form_class(self.request.POST, self.request.FILES or None)

    def service_kwargs(self, form):
        return dict(form.cleaned_data) if form is not None else {}

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        self.check_permission(obj)
        form = self.get_form(obj) if self.form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, self.error_prefix + error_text(form))
            return redirect_back(request, self.get_failure_url(obj))
        try:
            result = self.run_service(obj, **self.service_kwargs(form))
        except ValidationError as exc:
            messages.error(request, self.error_prefix + error_text(exc))
            return redirect_back(request, self.get_failure_url(obj))
        message = self.get_success_message(obj, result)
        if message:
            messages.success(request, message)
        return redirect_back(request, self.get_success_url(obj, result))


class BatchActionView(LoginRequiredMixin, ServiceMixin, View):
    """A POST action on several objects ticked on a list (checkboxes named `ids`), through one
    service call `service(objects, *, actor, **cleaned_data)` that runs the single-object
    service on each in one transaction: all of them happen, or none (the refusal names the
    object that stopped it).

    The capability must be held somewhere (403); every id must be in the user's scope for
    `visible_action`, or the whole request is not found (404); the per-object rules (workflow
    permission and state, audit) stay in the single-object service."""

    http_method_names = ["post"]
    queryset = None
    visible_action = "view"
    capability = ""
    denied_message = "您没有执行此操作的权限。"
    form_class = None  # further fields posted with the ids (a reason, say)
    success_message = ""  # formatted with count= (how many were done)
    success_url = ""  # a URL name without arguments: the list the action came from
    max_items = 200
    none_chosen_message = "请先勾选要处理的条目。"
    error_prefix = ""

    def chosen_ids(self):
        ids = {raw for raw in self.request.POST.getlist("ids") if raw.isdigit()}
        return sorted(int(raw) for raw in ids)

    def get_objects(self, ids):
        rows = list(self.queryset.all().visible_to(self.request.user, self.visible_action)
                    .filter(pk__in=ids))
        if len(rows) != len(ids):
            raise Http404("所选条目中有不存在或不在您管理范围内的。")
        return rows

    def service_kwargs(self, form):
        return dict(form.cleaned_data) if form is not None else {}

    def get_success_message(self, objects, result):
        return self.success_message.format(count=len(objects))

    def post(self, request, *args, **kwargs):
        if self.capability and not has_capability(request.user, self.capability):
            raise PermissionDenied(self.denied_message)
        back = redirect_back(request, reverse(self.success_url))
        ids = self.chosen_ids()
        if not ids:
            messages.error(request, self.none_chosen_message)
            return back
        if len(ids) > self.max_items:
            messages.error(request, f"一次最多处理 {self.max_items} 条，请分批操作。")
            return back
        objects = self.get_objects(ids)
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, self.error_prefix + error_text(form))
            return back
        try:
            result = self.run_service(objects, **self.service_kwargs(form))
        except ValidationError as exc:
            messages.error(request, self.error_prefix + error_text(exc))
            return back
        message = self.get_success_message(objects, result)
        if message:
            messages.success(request, message)
        return back


class ServiceFormView(LoginRequiredMixin, ScopedObjectMixin, ServiceMixin, ContextMixin,
                      TemplateResponseMixin, View):
    """A create or edit page whose POST calls a service.

    With a `queryset`, the URL names an object (the one edited, or the parent a new row is
    created under) that is fetched through the scope; without one, the page creates at top
    level and `capability` must be held somewhere. `refusal(obj)` may return a message that
    sends the user back to the object instead (e.g. a filed agreement is read-only)."""

    template_name = "portal/form.html"
    form_class = None
    title = ""
    submit_label = "保存"
    multipart = False
    form_takes_user = False
    model_form_instance = False  # pass the fetched object as the ModelForm's instance
    new_instance = None  # the form's unsaved instance while the service runs

    def fetch(self):
        if self.queryset is None:
            if self.capability and not has_capability(self.request.user, self.capability):
                raise PermissionDenied(self.denied_message)
            return None
        obj = self.get_object()
        self.check_permission(obj)
        return obj

    refusal_message = ""  # for a transition page whose object is in the wrong state

    def refusal(self, obj):
        """A message that sends the user back to the object instead of showing the form: by
        default, when the page's `transition` is not open in the object's state."""
        workflow = workflow_of(obj) if self.transition else None
        if workflow and not workflow.in_state(obj, self.transition):
            return self.refusal_message or workflow[self.transition].state_error
        return ""

    def get_form_kwargs(self, obj):
        kwargs = {}
        if self.request.method == "POST":
            kwargs.update(data=self.request.POST, files=self.request.FILES)
        if self.form_takes_user:
            kwargs["user"] = self.request.user
        if self.model_form_instance:
            kwargs["instance"] = obj
        kwargs.update(self.extra_form_kwargs(obj))
        return kwargs

    def extra_form_kwargs(self, obj):
        return {}

    def get_form(self, obj):
        return self.form_class(**self.get_form_kwargs(obj))

    def service_kwargs(self, form):
        return dict(form.cleaned_data)

    def get_title(self, obj):
        return self.title.format(obj=obj)

    def get_cancel_url(self, obj):
        return (_object_url(obj) + self.url_anchor) if obj is not None else reverse("portal:home")

    def get(self, request, *args, **kwargs):
        obj = self.fetch()
        return self.guarded(obj) or self.show(obj, self.get_form(obj))

    def post(self, request, *args, **kwargs):
        obj = self.fetch()
        refused = self.guarded(obj)
        if refused:
            return refused
        form = self.get_form(obj)
        if form.is_valid():
            instance = getattr(form, "instance", None)
            self.new_instance = (instance if isinstance(instance, Model) and instance.pk is None
                                 else None)
            try:
                result = self.run_service(obj, **self.service_kwargs(form))
            except ValidationError as exc:
                self.forget_rolled_back_save()
                add_service_errors(form, exc)
                self.service_refused(form, exc)
            else:
                message = self.get_success_message(obj, result)
                if message:
                    messages.success(request, message)
                return redirect(self.get_success_url(obj, result))
        return self.show(obj, form)

    def service_refused(self, form, exc):
        """Hook for pages that show some refusals apart (a locked month, say)."""

    def service_attempt(self, obj, **cleaned):
        self.forget_rolled_back_save()
        return super().service_attempt(obj, **cleaned)

    def forget_rolled_back_save(self):
        """A new form instance that a rolled-back try saved is new again: its pk names no row
        (a service would take it for an edit of a missing row, a page for a saved object)."""
        instance = self.new_instance
        if instance is not None and instance.pk is not None:
            instance.pk = None
            instance._state.adding = True

    def guarded(self, obj):
        message = self.refusal(obj) if obj is not None else ""
        if message:
            messages.error(self.request, message)
            return redirect(_object_url(obj))
        return None

    def show(self, obj, form):
        use_pickers(form)  # organization and person choices as search fields
        return self.render_to_response(self.get_context_data(
            form=form, object=obj, title=self.get_title(obj), submit_label=self.submit_label,
            multipart=self.multipart, cancel_url=self.get_cancel_url(obj)))

    def get_success_url(self, obj, result):
        if self.success_url or isinstance(result, Model) or obj is not None:
            return super().get_success_url(obj if obj is not None else result, result)
        return reverse("portal:home")


class FilteredListView(LoginRequiredMixin, ContextMixin, TemplateResponseMixin, View):
    """A scoped, filtered, paginated list. An htmx request (the filter form's live update)
    gets only `table_template`; a full request gets `template_name`, which includes it.

    `list_capability` must be held somewhere (403 otherwise); rows come from
    `queryset.visible_to(user, visible_action)`, then the django-filter `filterset_class`
    (a bad filter value is shown on the form and ignored), then pagination; `decorate(page)`
    adds per-page figures with a bounded number of queries."""

    queryset = None
    visible_action = "view"
    list_capability = ""
    denied_message = "您没有查看此列表的权限。"
    filterset_class = None
    table_template = ""
    paginate_by = 50
    count_cap = None  # portal.views.common.COUNT_CAP for lists of a city's activities or people

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user, self.visible_action)

    def decorate(self, page):
        """Per-page additions (counts, township names) for the rows shown."""

    def get(self, request, *args, **kwargs):
        if self.list_capability and not has_capability(request.user, self.list_capability):
            raise PermissionDenied(self.denied_message)
        rows = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            # An invalid value leaves its filter out (django-filter skips fields that did not
            # clean) and shows the error on the form.
            filterset = self.filterset_class(request.GET or None, queryset=rows, request=request)
            rows = filterset.qs
        page = paginate(request, rows, self.paginate_by, count_cap=self.count_cap)
        self.decorate(page)
        context = self.get_context_data(filter=filterset, form=filterset and filterset.form,
                                        page=page, query_string=query_without_page(request),
                                        table_template=self.table_template)
        template = self.table_template if request.htmx and self.table_template else None
        response = self.render_to_response(context, template_name=template)
        # The same URL answers with the page or its table: caches must keep them apart.
        patch_vary_headers(response, ["HX-Request"])
        return response

    def render_to_response(self, context, template_name=None, **kwargs):
        if template_name:
            return self.response_class(request=self.request, template=[template_name],
                                       context=context, using=self.template_engine)
        return super().render_to_response(context, **kwargs)


class StartExportView(LoginRequiredMixin, ContextMixin, TemplateResponseMixin, View):
    """Start an export job through `portal.exporting.start_export` (which checks the
    capability and writes the audit row) and go to the job's progress page.

    Declare the `exporter` identifier and `export_target(form) -> (scope_org, params)`; the
    form is the exporter's own unless `form_class` says otherwise. With a `template_name` the
    page shows the form on GET and a refusal on the form; without one it is POST-only and a
    refusal (an invalid form, no scope, the broker unreachable) becomes a message on
    `back_url` (or a same-host `next`)."""

    exporter = ""
    list_capability = ""
    denied_message = "您没有导出数据的权限。"
    form_class = None
    template_name = None
    back_url = "portal:home"

    def get_exporter_identifier(self):
        return self.exporter

    def check_permission(self):
        if self.list_capability and not has_capability(self.request.user,
                                                       self.list_capability):
            raise PermissionDenied(self.denied_message)

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        if self.form_class is not None:
            return self.form_class(data, user=self.request.user, **self.extra_form_kwargs())
        from portal.exporting import get_exporter

        return get_exporter(self.get_exporter_identifier()).get_form(
            data, user=self.request.user, **self.extra_form_kwargs())

    def extra_form_kwargs(self):
        return {}

    def export_target(self, form):
        """(scope organization, params) of the export; raise ValidationError to refuse."""
        return form.cleaned_data["org"], {}

    def get(self, request, *args, **kwargs):
        if not self.template_name:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.check_permission()
        return self.show(self.get_form())

    def post(self, request, *args, **kwargs):
        from portal.exporting import start_export

        self.check_permission()
        form = self.get_form()
        try:
            if not form.is_valid():
                raise ValidationError(error_text(form))
            scope_org, params = self.export_target(form)
            job = start_export(self.get_exporter_identifier(), scope_org, params,
                               actor=request.user)
        except ValidationError as exc:
            return self.refused(form, exc)
        return redirect("portal:job_detail", job_uuid=job.uuid)

    def refused(self, form, exc):
        if self.template_name:
            if form.is_bound and not form.errors:
                add_service_errors(form, exc)
            return self.show(form)
        messages.error(self.request, error_text(exc))
        return redirect_back(self.request, reverse(self.back_url))

    def show(self, form):
        use_pickers(form)
        return self.render_to_response(self.get_context_data(form=form))


class ListExportView(StartExportView):
    """POST a list's current filters (`query`, its query string) to start the list's
    exporter (a portal.list_exports.ListExporter named in the URL): the job writes the rows
    the list shows, within the user's scope. Filed under the topmost organization where the
    user may export; without one, 403."""

    back_url = "portal:home"

    def get_exporter_identifier(self):
        from portal.exporting import UnknownExporter, get_exporter
        from portal.list_exports import ListExporter

        identifier = self.kwargs["identifier"]
        try:
            exporter = get_exporter(identifier)
        except UnknownExporter:
            raise Http404("没有这种导出。") from None
        if not isinstance(exporter, ListExporter):
            raise Http404("没有这种导出。")
        self.list_capability = exporter.capability
        return identifier

    def post(self, request, *args, **kwargs):
        self.get_exporter_identifier()
        return super().post(request, *args, **kwargs)

    def export_target(self, form):
        from portal.list_exports import export_scope

        scope_org = export_scope(self.request.user, self.list_capability)
        if scope_org is None:
            raise PermissionDenied(self.denied_message)
        return scope_org, {"query": form.cleaned_data["query"]}
