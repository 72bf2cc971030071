"""People pages: list with filters, detail, create, edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from portal import services
from portal.forms import PersonFilterForm, PersonForm
from portal.models import Person
from portal.scope import has_capability
from portal.views.common import paginate, query_without_page, visible_or_404


def _filtered_people(request):
    form = PersonFilterForm(request.GET or None, user=request.user)
    people = Person.objects.visible_to(request.user).select_related("home_org")
    if form.is_valid():
        data = form.cleaned_data
        people = people.search(data["q"], by_id_number=has_capability(
            request.user, "person.view_id_number"))
        if data["org"]:
            people = people.filter(home_org__path__startswith=data["org"].path)
        flag_fields = {"party": "is_party_member", "talent": "is_city_talent", "cadre": "is_cadre"}
        if data["flag"]:
            people = people.filter(**{flag_fields[data["flag"]]: True})
        if data["gender"]:
            people = people.filter(gender=data["gender"])
    return form, people


@login_required
def person_list(request):
    form, people = _filtered_people(request)
    page = paginate(request, people)
    return render(request, "portal/people/list.html", {
        "form": form, "page": page, "query_string": query_without_page(request),
        "can_add": has_capability(request.user, "person.change"),
        "show_id_numbers": has_capability(request.user, "person.view_id_number"),
    })


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
    })


def _save_person_form(request, form, person_for_title):
    if request.method == "POST" and form.is_valid():
        try:
            person = services.do_save_person(form.save(commit=False), actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存“{person.name}”。")
            return redirect("portal:person_detail", pk=person.pk)
    title = f"编辑“{person_for_title.name}”" if person_for_title else "新增人员"
    return render(request, "portal/people/form.html", {"form": form, "title": title})


@login_required
def person_create(request):
    if not has_capability(request.user, "person.change"):
        raise PermissionDenied("您没有新增人员的权限。")
    form = PersonForm(request.POST or None, user=request.user)
    return _save_person_form(request, form, None)


@login_required
def person_edit(request, pk):
    person = visible_or_404(Person.objects.select_related("home_org"), request.user, pk=pk)
    if not has_capability(request.user, "person.change", person.home_org):
        raise PermissionDenied("您没有编辑此人员的权限。")
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    return _save_person_form(request, form, person)
