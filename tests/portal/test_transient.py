"""Transient database conflicts (portal.transient): which errors are transient, the retry and
its limits, the generic views running their services through it (an action, a batch action
and a form that creates a row), and the 503 page for a conflict that escapes a view.

The errors are psycopg's own classes raised through Django's DatabaseErrorWrapper, as the
PostgreSQL backend raises them; a real deadlock is in test_transient_deadlock.py."""

import logging
from types import SimpleNamespace

import psycopg
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.utils import DatabaseErrorWrapper
from django.urls import reverse
from django.utils import timezone

from ledger.models import Activity, ActivityStatus, ActivityTheme
from ledger.services import activities as activity_services
from ledger.services import evidence as evidence_services
from ledger.views import activities as activity_views
from portal import transient
from portal.models import AuditEvent
from portal.transient import BUSY_MESSAGE, is_transient, retrying


def through_django(driver_error):
    """The exception Django's PostgreSQL backend raises for `driver_error`."""
    try:
        with DatabaseErrorWrapper(SimpleNamespace(Database=psycopg)):
            raise driver_error
    except Exception as exc:
        return exc


def deadlock():
    return through_django(psycopg.errors.DeadlockDetected("deadlock detected"))


def serialization_failure():
    return through_django(psycopg.errors.SerializationFailure("could not serialize access"))


def test_a_deadlock_and_a_serialization_failure_are_transient():
    for error in (deadlock(), serialization_failure()):
        assert type(error) is OperationalError
        assert is_transient(error)
    assert is_transient(psycopg.errors.DeadlockDetected("unwrapped"))


@pytest.mark.parametrize("error", [
    through_django(psycopg.errors.UniqueViolation("duplicate key")),
    through_django(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
    through_django(psycopg.errors.LockNotAvailable("could not obtain lock")),
    OperationalError("database is locked"),
    RuntimeError("not a database error"),
], ids=["integrity", "timeout", "nowait", "no-cause", "runtime"])
def test_other_errors_are_not_transient(error):
    assert not is_transient(error)


@pytest.fixture
def pauses(monkeypatch):
    """The pauses between tries, recorded instead of slept."""
    slept = []
    monkeypatch.setattr(transient, "sleep", slept.append)
    return slept


def failing(times, error=deadlock):
    """A function that raises `error()` on its first `times` calls, then returns "done"."""
    calls = []

    def fn(*args, **kwargs):
        calls.append((args, kwargs))
        if len(calls) <= times:
            raise error()
        return "done"

    fn.calls = calls
    return fn


def test_retrying_succeeds_on_the_second_try(pauses, caplog):
    fn = failing(1)
    with caplog.at_level(logging.WARNING, logger="portal.transient"):
        assert retrying(fn, 1, actor="a") == "done"
    assert fn.calls == [((1,), {"actor": "a"})] * 2
    assert len(pauses) == 1 and 0.02 <= pauses[0] <= 0.075
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "failing.<locals>.fn" in record.getMessage() and "40P01" in record.getMessage()


def test_retrying_gives_up_after_three_tries_with_a_busy_refusal(pauses, caplog):
    fn = failing(5, error=serialization_failure)
    with pytest.raises(ValidationError) as refused:
        retrying(fn)
    assert len(fn.calls) == 3
    assert refused.value.code == "busy" and refused.value.messages == [BUSY_MESSAGE]
    assert is_transient(refused.value.__cause__)
    assert len(pauses) == 2 and 0.04 <= pauses[1] <= 0.15  # the second pause is longer
    assert len([r for r in caplog.records if r.name == "portal.transient"]) == 3


def test_retrying_does_not_retry_other_errors(pauses):
    fn = failing(1, error=lambda: through_django(psycopg.errors.UniqueViolation("dup")))
    with pytest.raises(IntegrityError):
        retrying(fn)
    assert len(fn.calls) == 1 and pauses == []


@pytest.mark.django_db
def test_retrying_inside_a_transaction_re_raises_at_once(pauses):
    fn = failing(1)
    with transaction.atomic(), pytest.raises(OperationalError) as raised:
        retrying(fn)
    assert is_transient(raised.value)
    assert len(fn.calls) == 1 and pauses == []


def flaky(real, failures):
    """`real`, whose first `failures` calls do all their work and then meet a deadlock, which
    rolls that work back as PostgreSQL would."""
    calls = []

    def service(*args, **kwargs):
        calls.append(args)
        with transaction.atomic():
            result = real(*args, **kwargs)
            if len(calls) <= failures:
                raise deadlock()
        return result

    service.calls = calls
    return service


@pytest.fixture
def theme(db):
    return ActivityTheme.objects.get(code="serve_masses")


@pytest.fixture
def today():
    return timezone.localdate()


def submitted(tree, theme, today, title="入户走访"):
    return Activity.objects.create(org=tree.village_a1, date=today, theme=theme, title=title,
                                   content="走访困难群众", status=ActivityStatus.SUBMITTED,
                                   submitted_at=timezone.now())


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def audit_rows(activity):
    return AuditEvent.objects.filter(data__activity=activity.pk).count()


# Transactional: a test's own transaction would be the outer block in which no retry is made.
@pytest.mark.django_db(transaction=True)
def test_an_action_meeting_one_deadlock_succeeds(login, tree, theme, today, township_admin,
                                                 pauses, monkeypatch, caplog):
    activity = submitted(tree, theme, today)
    service = flaky(activity_services.do_confirm_activity, failures=1)
    monkeypatch.setattr(activity_views.ActivityConfirmView, "service", service)
    response = login(township_admin).post(reverse("ledger:activity_confirm",
                                                  args=[activity.pk]))
    assert response.status_code == 302
    assert texts(response) == [f"已确认“{tree.village_a1.name}”的活动“入户走访”。"]
    assert len(service.calls) == 2
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CONFIRMED
    assert audit_rows(activity) == 1
    assert any("ActivityConfirmView" in r.getMessage() for r in caplog.records
               if r.name == "portal.transient")


@pytest.mark.django_db(transaction=True)
def test_an_action_that_keeps_meeting_deadlocks_says_busy_and_changes_nothing(
        login, tree, theme, today, township_admin, pauses, monkeypatch):
    activity = submitted(tree, theme, today)
    service = flaky(activity_services.do_confirm_activity, failures=99)
    monkeypatch.setattr(activity_views.ActivityConfirmView, "service", service)
    response = login(township_admin).post(reverse("ledger:activity_confirm",
                                                  args=[activity.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:activity_detail", args=[activity.pk])
    assert texts(response) == [BUSY_MESSAGE]
    assert len(service.calls) == 3
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    assert audit_rows(activity) == 0


@pytest.mark.django_db(transaction=True)
def test_a_batch_action_meeting_one_deadlock_does_all_of_it_once(login, tree, theme, today,
                                                                 township_admin, pauses,
                                                                 monkeypatch):
    rows = [submitted(tree, theme, today, title=f"活动{n}") for n in range(3)]
    service = flaky(activity_services.do_return_activities, failures=1)
    monkeypatch.setattr(activity_views.ActivityBatchReturnView, "service", service)
    response = login(township_admin).post(reverse("ledger:activity_batch_return"),
                                          {"ids": [a.pk for a in rows], "reason": "缺少照片"})
    assert texts(response)[-1].startswith("已退回 3 条活动")
    assert len(service.calls) == 2
    assert set(Activity.objects.values_list("status", flat=True)) == {ActivityStatus.RETURNED}
    assert [audit_rows(a) for a in rows] == [1, 1, 1]


def activity_form(org, theme, day):
    return {"org": org.pk, "date": day.isoformat(), "theme": theme.pk, "title": "主题党日",
            "place": "村党群服务中心", "content": "学习党章", "outcome": "统一思想",
            "beneficiaries": "30", "funds": "120.50", "action": "draft"}


@pytest.mark.django_db(transaction=True)
def test_a_new_activity_meeting_one_deadlock_is_saved_once(login, tree, theme, today,
                                                           village_secretary, pauses,
                                                           monkeypatch):
    """The rolled-back try gave the form's new activity a pk: the next try must create it
    again, not take it for an edit of a row that does not exist."""
    service = flaky(evidence_services.do_save_activity_with_evidence, failures=1)
    monkeypatch.setattr(evidence_services, "do_save_activity_with_evidence", service)
    response = login(village_secretary).post(reverse("ledger:activity_create"),
                                             activity_form(tree.village_a1, theme, today))
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:activity_detail", args=[activity.pk])
    assert len(service.calls) == 2
    assert audit_rows(activity) == 1


@pytest.mark.django_db(transaction=True)
def test_a_new_activity_that_keeps_meeting_deadlocks_keeps_the_form(login, tree, theme, today,
                                                                    village_secretary, pauses,
                                                                    monkeypatch):
    service = flaky(evidence_services.do_save_activity_with_evidence, failures=99)
    monkeypatch.setattr(evidence_services, "do_save_activity_with_evidence", service)
    response = login(village_secretary).post(reverse("ledger:activity_create"),
                                             activity_form(tree.village_a1, theme, today))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [BUSY_MESSAGE]
    assert form["content"].value() == "学习党章"
    assert form.instance.pk is None  # the page does not show a saved activity
    assert not Activity.objects.exists()


def test_a_deadlock_escaping_a_view_is_a_503_asking_to_retry(login, tree, theme, today,
                                                             township_admin, monkeypatch):
    activity = submitted(tree, theme, today)

    def conflicted(self):
        raise deadlock()

    monkeypatch.setattr(activity_views.ActivityConfirmView, "get_object", conflicted)
    back = "http://testserver" + reverse("ledger:activity_detail", args=[activity.pk])
    response = login(township_admin).post(reverse("ledger:activity_confirm", args=[activity.pk]),
                                          HTTP_REFERER=back)
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    page = response.content.decode()
    assert "系统繁忙" in page and "请稍后重试" in page
    assert f'<a href="{back}" class="btn btn-party">返回</a>' in page
    assert "党建共建平台" in page  # the site's own page, with its navigation bar


@pytest.mark.parametrize("error", [
    lambda: RuntimeError("a bug"),
    lambda: through_django(psycopg.errors.QueryCanceled("statement timeout")),
], ids=["bug", "timeout"])
def test_other_exceptions_escaping_a_view_are_untouched(login, tree, theme, today,
                                                        township_admin, monkeypatch, error):
    activity = submitted(tree, theme, today)
    raised = error()

    def broken(self):
        raise raised

    monkeypatch.setattr(activity_views.ActivityConfirmView, "get_object", broken)
    with pytest.raises(type(raised)):
        login(township_admin).post(reverse("ledger:activity_confirm", args=[activity.pk]))
