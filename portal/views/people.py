"""People pages: list with filters, detail, create, edit."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from portal import services
from portal.dashboard import sections_for
from portal.filters import PersonFilter
from portal.forms import PersonForm
from portal.models import Person
from portal.scope import has_capability
from portal.views.common import COUNT_CAP, visible_or_404
from portal.views.generic import FilteredListView, ServiceFormView


class PersonListView(FilteredListView):
    queryset = Person.objects.select_related("home_org")
    filterset_class = PersonFilter
    template_name = "portal/people/list.html"
    table_template = "portal/people/_table.html"
    count_cap = COUNT_CAP  # a city holds 150,000 people

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            can_add=has_capability(user, "person.change"),
            show_id_numbers=has_capability(user, "person.view_id_number"), **kwargs)


@login_required
def person_detail(request, pk):
    person = visible_or_404(Person.objects.select_related("home_org", "user"), request.user,
                            pk=pk)
    return render(request, "portal/people/detail.html", {
        "person": person,
        "show_id_number": has_capability(request.user, "person.view_id_number", person.home_org),
        "can_change": has_capability(request.user, "person.change", person.home_org),
        "history": list(person.history.select_related("history_user")
                        .order_by("-history_date")[:10]),
        "sections": sections_for(request, "person", person),
    })


class PersonFormMixin:
    """The person form builds the (unsaved) person; `do_save_person` checks and saves it."""

    form_class = PersonForm
    form_takes_user = True
    capability = "person.change"
    service = services.do_save_person
    success_message = "已保存“{result.name}”。"

    def service_kwargs(self, form):
        return {"person": form.save(commit=False)}

    def call_service(self, obj, *, person):
        return type(self).service(person, actor=self.request.user)

    def get_success_url(self, obj, result):
        return reverse("portal:person_detail", args=[result.pk])

    def get_cancel_url(self, obj):
        return reverse("portal:person_list")


class PersonCreateView(PersonFormMixin, ServiceFormView):
    title = "新增人员"
    denied_message = "您没有新增人员的权限。"


class PersonEditView(PersonFormMixin, ServiceFormView):
    queryset = Person.objects.select_related("home_org")
    model_form_instance = True
    title = "编辑“{obj.name}”"
    denied_message = "您没有编辑此人员的权限。"

    def capability_orgs(self, obj):
        return [obj.home_org]
