"""The activity workflow declared once: permission before state in every service, an audit
row per change, buttons from available_actions, and the lock refusal told apart by its code."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ledger.models import Activity, ActivityStatus
from ledger.services import activities
from portal.models import AuditEvent
from portal.models.audit import AuditAction
from portal.workflow import available_actions


def make(org, day, theme, status=ActivityStatus.DRAFT, **fields):
    return Activity.objects.create(org=org, date=day, theme=theme, status=status,
                                   title=fields.pop("title", "入户走访"),
                                   content="走访困难群众", **fields)


@pytest.mark.parametrize("service, kwargs, status", [
    # Each action by a role without its capability, on an object in a state it cannot take.
    (activities.do_confirm_activity, {}, ActivityStatus.CONFIRMED),
    (activities.do_return_activity, {"reason": "x"}, ActivityStatus.DRAFT),
])
def test_village_secretary_gets_403_on_review_whatever_the_state(service, kwargs, status, tree,
                                                                 theme, today,
                                                                 village_secretary):
    activity = make(tree.village_a1, today, theme, status=status)
    with pytest.raises(PermissionDenied):
        service(activity, actor=village_secretary, **kwargs)


@pytest.mark.parametrize("service", [activities.do_submit_activity,
                                     activities.do_delete_activity])
def test_township_gets_403_on_logging_actions_whatever_the_state(service, tree, theme, today,
                                                                 township_admin):
    activity = make(tree.village_a1, today, theme, status=ActivityStatus.CONFIRMED)
    with pytest.raises(PermissionDenied):
        service(activity, actor=township_admin)


def test_wrong_state_is_a_state_error(tree, theme, today, village_secretary, township_admin):
    activity = make(tree.village_a1, today, theme, status=ActivityStatus.CONFIRMED)
    with pytest.raises(ValidationError) as refused:
        activities.do_confirm_activity(activity, actor=township_admin)
    assert refused.value.code == "state"
    with pytest.raises(ValidationError) as refused:
        activities.do_delete_activity(activity, actor=village_secretary)
    assert refused.value.code == "state"


def test_post_by_role_without_capability_is_403_not_a_message(login, tree, theme, today,
                                                              leader):
    confirmed = make(tree.village_a1, today, theme, status=ActivityStatus.CONFIRMED)
    for name in ("activity_confirm", "activity_return", "activity_submit", "activity_delete"):
        response = login(leader).post(reverse(f"ledger:{name}", args=[confirmed.pk]),
                                      {"reason": "x"})
        assert response.status_code == 403, name


def test_every_change_writes_an_audit_row(tree, theme, today, village_secretary,
                                          township_admin):
    activity = activities.do_save_activity(
        Activity(org=tree.village_a1, date=today, theme=theme, title="主题党日", content="学习"),
        actor=village_secretary)
    activities.do_save_activity(activity, actor=village_secretary)
    activities.do_submit_activity(activity, actor=village_secretary)
    activities.do_return_activity(activity, actor=township_admin, reason="缺照片")
    activities.do_submit_activity(activity, actor=village_secretary)
    activities.do_confirm_activity(activity, actor=township_admin)
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "summary", "actor"))
    assert [(action, actor) for action, _, actor in rows] == [
        (AuditAction.CREATE, village_secretary.pk), (AuditAction.UPDATE, village_secretary.pk),
        (AuditAction.TRANSITION, village_secretary.pk),
        (AuditAction.TRANSITION, township_admin.pk),
        (AuditAction.TRANSITION, village_secretary.pk),
        (AuditAction.TRANSITION, township_admin.pk)]
    assert all("主题党日" in summary for _, summary, _ in rows)
    assert AuditEvent.objects.filter(data__activity=activity.pk, data__reason="缺照片").exists()
    draft = activities.do_save_activity(
        Activity(org=tree.village_a1, date=today, theme=theme, title="草稿", content="x"),
        actor=village_secretary)
    activities.do_delete_activity(draft, actor=village_secretary)
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, summary__contains="草稿").exists()


def test_buttons_come_from_available_actions(login, tree, theme, today, village_secretary,
                                             township_admin):
    submitted = make(tree.village_a1, today, theme, status=ActivityStatus.SUBMITTED)
    assert [t.name for t in available_actions(submitted, township_admin)] == ["confirm",
                                                                            "return"]
    assert available_actions(submitted, village_secretary) == []
    detail = reverse("ledger:activity_detail", args=[submitted.pk])
    confirm_url = reverse("ledger:activity_confirm", args=[submitted.pk])
    town_page = login(township_admin).get(detail).content.decode()
    assert confirm_url in town_page and 'name="reason"' in town_page
    village_page = login(village_secretary).get(detail).content.decode()
    assert confirm_url not in village_page
    assert reverse("ledger:activity_submit", args=[submitted.pk]) not in village_page
    draft = make(tree.village_a1, today, theme)
    page = login(village_secretary).get(
        reverse("ledger:activity_detail", args=[draft.pk])).content.decode()
    assert reverse("ledger:activity_submit", args=[draft.pk]) in page
    assert reverse("ledger:activity_delete", args=[draft.pk]) in page
    assert reverse("ledger:activity_edit", args=[draft.pk]) in page


def test_lock_refusal_is_recognised_by_its_code(login, tree, theme, closed_day,
                                                village_secretary, monkeypatch):
    """The form shows a refusal apart because its code is "locked", whatever its text."""
    from ledger.services import locks

    monkeypatch.setattr(locks, "lock_problem", lambda org, day, today=None: "本月已封账")
    data = {"org": tree.village_a1.pk, "date": closed_day.isoformat(), "theme": theme.pk,
            "title": "主题党日", "content": "学习党章", "beneficiaries": "0", "funds": "0",
            "action": "draft"}
    response = login(village_secretary).post(reverse("ledger:activity_create"), data)
    assert response.status_code == 200
    assert response.context["lock_problem"] == "本月已封账"
    assert "本月已封账" not in response.context["form"].non_field_errors()
    assert not Activity.objects.exists()
