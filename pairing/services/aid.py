"""双结对双帮扶: households in difficulty, cadre–household pairings with a help plan, visits.

A household's personal data (head, phone, address) is visible only with `aid.view`
(village, township, county in scope); units and talents never hold it."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pairing.models import AidHousehold, AidPairing, AidVisit
from portal import audit
from portal.idnumber import phone_problem
from portal.models import Person
from portal.models.orgs import OrgKind
from portal.scope import require

HOUSEHOLD_FIELDS = ("head_name", "members", "difficulty", "phone", "address",
                    "is_party_member", "is_active")


def _set_household_fields(household, fields):
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise TypeError(f"unknown household fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(household, name, value.strip() if isinstance(value, str) else value)
    problem = phone_problem(household.phone)
    if problem:
        raise ValidationError({"phone": problem})
    household.full_clean()


@transaction.atomic
def do_create_household(village_org, *, actor, **fields) -> AidHousehold:
    require(actor, "aid.change", village_org)
    if village_org.kind != OrgKind.VILLAGE:
        raise ValidationError("帮扶对象只能登记在村党组织下。")
    household = AidHousehold(village_org=village_org)
    _set_household_fields(household, fields)
    household.save()
    audit.record(audit.AuditAction.CREATE, f"登记帮扶对象：{village_org.name}", actor=actor,
                 household=household.pk, village_org=village_org.pk)
    return household


@transaction.atomic
def do_update_household(household, *, actor, **fields) -> AidHousehold:
    household = AidHousehold.objects.select_for_update().select_related(
        "village_org").get(pk=household.pk)
    require(actor, "aid.change", household.village_org)
    _set_household_fields(household, fields)
    household.save()
    audit.record(audit.AuditAction.UPDATE, f"修改帮扶对象：{household.village_org.name}",
                 actor=actor, household=household.pk, village_org=household.village_org_id)
    return household


def cadre_choices(actor):
    """People the actor may pair with a household: active cadres or party members in scope."""
    return (Person.objects.visible_to(actor).filter(is_active=True)
            .filter(Q(is_cadre=True) | Q(is_party_member=True)))


def _not_future(day, label):
    if day is None:
        raise ValidationError(f"请填写{label}。")
    if day > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。")


@transaction.atomic
def do_create_aid_pairing(household, *, actor, cadre, plan, since=None) -> AidPairing:
    household = AidHousehold.objects.select_for_update().select_related(
        "village_org").get(pk=household.pk)
    require(actor, "aid.change", household.village_org)
    if not household.is_active:
        raise ValidationError("该户已不在帮扶中，不能新建结对。")
    if cadre is None or not cadre_choices(actor).filter(pk=cadre.pk).exists():
        raise ValidationError({"cadre": "帮扶干部应为您管理范围内在册的干部或党员。"})
    since = since or timezone.localdate()
    try:
        _not_future(since, "结对日期")
    except ValidationError as exc:
        raise ValidationError({"since": exc.messages}) from exc
    plan = (plan or "").strip()
    if not plan:
        raise ValidationError({"plan": "请填写帮扶计划。"})
    if AidPairing.objects.filter(cadre=cadre, household=household, is_active=True).exists():
        raise ValidationError({"cadre": f"{cadre.name}已与{household.head_name}家结对帮扶。"})
    try:
        with transaction.atomic():
            aid_pairing = AidPairing.objects.create(cadre=cadre, household=household,
                                                    since=since, plan=plan)
    except IntegrityError as exc:  # a concurrent request paired them first
        raise ValidationError({"cadre": "该干部已与该户结对帮扶。"}) from exc
    audit.record(audit.AuditAction.CREATE, f"干部结对帮扶：{cadre.name}", actor=actor,
                 aid_pairing=aid_pairing.pk, household=household.pk, cadre=cadre.pk)
    return aid_pairing


def _locked_pairing(aid_pairing):
    return (AidPairing.objects.select_for_update()
            .select_related("household__village_org", "cadre").get(pk=aid_pairing.pk))


@transaction.atomic
def do_update_aid_plan(aid_pairing, *, actor, plan) -> AidPairing:
    aid_pairing = _locked_pairing(aid_pairing)
    require(actor, "aid.change", aid_pairing.household.village_org)
    plan = (plan or "").strip()
    if not plan:
        raise ValidationError({"plan": "请填写帮扶计划。"})
    aid_pairing.plan = plan
    aid_pairing.save(update_fields=["plan"])
    audit.record(audit.AuditAction.UPDATE, f"修改帮扶计划：{aid_pairing.cadre.name}",
                 actor=actor, aid_pairing=aid_pairing.pk, household=aid_pairing.household_id)
    return aid_pairing


@transaction.atomic
def do_end_aid_pairing(aid_pairing, *, actor) -> AidPairing:
    aid_pairing = _locked_pairing(aid_pairing)
    require(actor, "aid.change", aid_pairing.household.village_org)
    if not aid_pairing.is_active:
        raise ValidationError("该结对帮扶已结束。", code="state")
    aid_pairing.is_active = False
    aid_pairing.save(update_fields=["is_active"])
    audit.record(audit.AuditAction.TRANSITION, f"结束干部结对帮扶：{aid_pairing.cadre.name}",
                 actor=actor, aid_pairing=aid_pairing.pk, household=aid_pairing.household_id)
    return aid_pairing


@transaction.atomic
def do_record_visit(aid_pairing, *, actor, date, content) -> AidVisit:
    aid_pairing = _locked_pairing(aid_pairing)
    require(actor, "aid.change", aid_pairing.household.village_org)
    if not aid_pairing.is_active:
        raise ValidationError("该结对帮扶已结束，不能登记走访。", code="state")
    errors = {}
    try:
        _not_future(date, "走访日期")
        if date < aid_pairing.since:
            raise ValidationError(f"走访日期不能早于结对日期（{aid_pairing.since:%Y年%m月%d日}）。")
    except ValidationError as exc:
        errors["date"] = exc.messages
    content = (content or "").strip()
    if not content:
        errors["content"] = "请填写帮扶内容。"
    if errors:
        raise ValidationError(errors)
    visit = AidVisit.objects.create(aid_pairing=aid_pairing, date=date, content=content,
                                    recorded_by=actor)
    audit.record(audit.AuditAction.CREATE, f"登记走访：{aid_pairing.cadre.name}", actor=actor,
                 visit=visit.pk, aid_pairing=aid_pairing.pk, household=aid_pairing.household_id)
    return visit
