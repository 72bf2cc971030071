"""The ledger's side of the alliance service menu (党建联盟定): scheduling a menu item plans a
draft activity in the holding organization's ledger, linked to the alliance and the item.

alliances cannot import the ledger, so this module registers an `ActivityPlanner` with
`alliances.hooks` (from LedgerConfig.ready). The plan is a draft on a date still to come: the
activity form's "no future dates" rule is for logging what happened, so the draft is written
here under the model's own rules (full_clean, the alliance-member rule, the period lock),
audited, and the holding organization completes and submits it once the day has come.
"""

from django.core.exceptions import ValidationError

from alliances.hooks import ActivityPlanner, register_activity_planner
from ledger.models import Activity, ActivityStatus, ActivityTheme
from ledger.services.activities import _require_alliance_member
from ledger.services.locks import month_is_locked
from portal import audit

DEFAULT_THEME = "monthly_charity"


def theme_choices():
    return list(ActivityTheme.objects.filter(is_active=True).order_by("order", "id")
                .values_list("code", "name"))


def plan_menu_activity(item, *, org, date, theme, actor):
    """Create the draft activity of a scheduled menu item (inside the caller's transaction)."""
    found = ActivityTheme.objects.filter(code=theme or DEFAULT_THEME, is_active=True).first()
    if found is None:
        raise ValidationError({"theme": ValidationError("请选择有效的活动主题。", code="theme")})
    if month_is_locked(org, date.year, date.month):
        raise ValidationError(f"{date.year}年{date.month}月的台账已关闭，不能计划该月的活动。",
                              code="locked")
    activity = Activity(org=org, date=date, theme=found, title=item.title[:100],
                        content=item.description or item.title, alliance_id=item.alliance_id,
                        menu_item=item, status=ActivityStatus.DRAFT, created_by=actor)
    _require_alliance_member(activity)
    activity.full_clean(exclude=["created_by"])
    activity.save()
    audit.record(audit.AuditAction.CREATE,
                 f"计划联盟活动“{activity.title}”（{org.name}，{date:%Y-%m-%d}）",
                 actor=actor, activity=activity.pk, org=org.pk, menu_item=item.pk,
                 alliance=item.alliance_id)
    return activity


def cancel_menu_activities(item, *, actor, reason):
    """Delete the item's planned drafts; refuse when one was already submitted or confirmed."""
    activities = list(Activity.objects.select_for_update().filter(menu_item=item))
    if any(a.status != ActivityStatus.DRAFT for a in activities):
        raise ValidationError("该项目的活动已提交台账，不能撤下。", code="activity")
    for activity in activities:
        audit.record(audit.AuditAction.DELETE,
                     f"撤下联盟服务项目，删除计划活动“{activity.title}”：{reason}",
                     actor=actor, activity=activity.pk, org=activity.org_id, menu_item=item.pk)
        activity.delete()
    return len(activities)


def register():
    register_activity_planner(ActivityPlanner(plan=plan_menu_activity,
                                              theme_choices=theme_choices,
                                              cancel=cancel_menu_activities))
