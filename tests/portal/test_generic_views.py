"""The generic view layer: scoped fetch (404), permission before state (403), the service's
ValidationError as a message or form errors, success message and redirect."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from portal.models import Organization
from portal.views.generic import ObjectActionView, ServiceFormView
from portal.workflow import Transition, Workflow, available_actions, can


class NoteForm(forms.Form):
    note = forms.CharField(label="说明")


calls = []


def rename_service(org, *, actor, note=""):
    if note == "坏":
        raise ValidationError("说明不合要求。", code="state")
    calls.append((org.pk, actor.username, note))
    return org


class RenameAction(ObjectActionView):
    queryset = Organization.objects.all()
    capability = "org.change"
    form_class = NoteForm
    service = rename_service
    success_message = "已处理“{obj.name}”。"
    success_url = "portal:home"

    def capability_orgs(self, obj):
        return [obj]

    def get_failure_url(self, obj):
        return f"/orgs/{obj.pk}/"


class RenamePage(ServiceFormView):
    queryset = Organization.objects.all()
    capability = "org.change"
    form_class = NoteForm
    service = rename_service
    title = "处理 {obj.name}"
    success_url = "portal:home"

    def capability_orgs(self, obj):
        return [obj]

    def get_cancel_url(self, obj):
        return "/"


def _post(view, user, pk, data):
    request = RequestFactory().post("/x/", data)
    request.user = user
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    request.htmx = False
    return request, view.as_view()(request, pk=pk)


@pytest.fixture(autouse=True)
def _clear_calls():
    calls.clear()


@pytest.mark.django_db
class TestObjectActionView:
    def test_out_of_scope_is_not_found(self, tree, other_village_secretary):
        from django.http import Http404

        with pytest.raises(Http404):
            _post(RenameAction, other_village_secretary, tree.village_a1.pk, {"note": "x"})
        assert calls == []

    def test_in_scope_without_the_capability_is_forbidden_before_the_form(self, tree,
                                                                          leader):
        with pytest.raises(PermissionDenied):
            _post(RenameAction, leader, tree.village_a1.pk, {})
        assert calls == []

    def test_success_runs_the_service_with_the_actor_and_redirects(self, tree,
                                                                   township_admin):
        request, response = _post(RenameAction, township_admin, tree.village_a1.pk,
                                  {"note": "好"})
        assert calls == [(tree.village_a1.pk, "township_admin", "好")]
        assert (response.status_code, response.url) == (302, "/")
        assert [str(m) for m in get_messages(request)] == ["已处理“青山村”。"]

    def test_a_refusal_becomes_a_message_and_goes_back(self, tree, township_admin):
        request, response = _post(RenameAction, township_admin, tree.village_a1.pk,
                                  {"note": "坏"})
        assert response.url == f"/orgs/{tree.village_a1.pk}/"
        assert [str(m) for m in get_messages(request)] == ["说明不合要求。"]

    def test_an_invalid_form_becomes_a_message(self, tree, township_admin):
        request, response = _post(RenameAction, township_admin, tree.village_a1.pk, {})
        assert calls == [] and response.status_code == 302
        assert "必填" in str(list(get_messages(request))[0])

    def test_a_same_host_next_wins(self, tree, township_admin):
        _, response = _post(RenameAction, township_admin, tree.village_a1.pk,
                            {"note": "好", "next": "/ledger/"})
        assert response.url == "/ledger/"

    def test_get_is_not_allowed(self, tree, township_admin):
        request = RequestFactory().get("/x/")
        request.user = township_admin
        assert RenameAction.as_view()(request, pk=tree.village_a1.pk).status_code == 405


@pytest.mark.django_db
class TestServiceFormView:
    def test_a_refusal_is_shown_on_the_form(self, tree, township_admin):
        _, response = _post(RenamePage, township_admin, tree.village_a1.pk, {"note": "坏"})
        assert response.status_code == 200
        assert response.context_data["form"].non_field_errors() == ["说明不合要求。"]
        assert response.context_data["title"] == "处理 青山村"

    def test_success_redirects(self, tree, township_admin):
        _, response = _post(RenamePage, township_admin, tree.village_a1.pk, {"note": "好"})
        assert response.status_code == 302 and calls

    def test_forbidden_without_the_capability(self, tree, village_secretary):
        with pytest.raises(PermissionDenied):
            _post(RenamePage, village_secretary, tree.village_a1.pk, {"note": "好"})


class Paper:
    """A stand-in object with a workflow (the real ones live on the apps' models)."""

    workflow = Workflow([
        Transition("submit", "提交", {"draft", "returned"}, "ledger.log", target="submitted"),
        Transition("confirm", "确认", {"submitted"}, "ledger.confirm", target="confirmed"),
        Transition("withdraw", "撤回", {"submitted"}, "ledger.log",
                   guard=lambda obj, user: obj.author == user),
    ], badges={"draft": "secondary", "submitted": "warning"})

    def __init__(self, org, status, author=None):
        self.org, self.status, self.author = org, status, author

    def get_status_display(self):
        return {"draft": "草稿", "submitted": "待确认"}.get(self.status, self.status)


@pytest.mark.django_db
class TestWorkflow:
    def test_permission_is_checked_before_state(self, tree, leader):
        paper = Paper(tree.village_a1, "confirmed")
        with pytest.raises(PermissionDenied):
            Paper.workflow.check(paper, "confirm", leader)

    def test_state_refusal_carries_the_state_code(self, tree, township_admin):
        paper = Paper(tree.village_a1, "draft")
        with pytest.raises(ValidationError) as caught:
            Paper.workflow.check(paper, "confirm", township_admin)
        assert caught.value.code == "state"

    def test_available_actions_follow_state_capability_and_guard(self, tree, village_secretary,
                                                                 township_admin):
        paper = Paper(tree.village_a1, "submitted", author=township_admin)
        assert [t.name for t in available_actions(paper, township_admin)] == ["confirm"]
        assert available_actions(paper, village_secretary) == []
        paper.author = village_secretary
        assert [t.name for t in available_actions(paper, village_secretary)] == ["withdraw"]
        assert can(Paper(tree.village_a1, "returned"), "submit", village_secretary)
        assert not can(Paper(tree.village_b1, "returned"), "submit", village_secretary)

    def test_badge(self, tree):
        assert Paper.workflow.badge(Paper(tree.village_a1, "submitted")) == ("待确认", "warning")

    def test_an_undeclared_capability_fails_at_declaration(self):
        from portal.scope import UnknownCapability

        with pytest.raises(UnknownCapability):
            Transition("x", "x", {"a"}, "ledger.logg")
