"""Display helpers: role labels, money and month formats used across templates."""

from decimal import Decimal

from django import template
from django.urls import reverse

from portal.models.roles import Role

register = template.Library()


@register.filter
def role_label(value):
    try:
        return Role(value).label
    except ValueError:
        return value


@register.filter
def yuan(value):
    """¥1,234.00"""
    if value in (None, ""):
        return ""
    return f"¥{Decimal(value):,.2f}"


@register.filter
def year_month(value):
    """2026年3月"""
    return f"{value.year}年{value.month}月" if value else ""


@register.filter
def person_name(user):
    """A user's full name, else username; "—" when the account is gone (SET_NULL)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.inclusion_tag("portal/_status_badge.html")
def status_badge(obj):
    """The object's workflow state as a coloured badge (one tag for every app)."""
    from portal.workflow import workflow_of

    label, colour = workflow_of(obj).badge(obj)
    return {"label": label, "colour": colour}


@register.inclusion_tag("portal/_action_buttons.html", takes_context=True)
def action_buttons(context, obj, next_url="", size=""):
    """A POST button per transition the user may take on `obj` now (`available_actions`)."""
    from portal.workflow import action_url, available_actions

    actions = [{"transition": t, "url": action_url(t, obj)}
               for t in available_actions(obj, context["request"].user) if t.url_name]
    return {"actions": actions, "obj": obj, "next_url": next_url, "size": size,
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("portal/_breadcrumbs.html")
def breadcrumbs(*parts):
    """{% breadcrumbs "活动台账" "ledger:activity_list" activity.org activity.org activity.title %}:
    (label, target) pairs, then the current page's label. A target is a URL name (reversed
    without arguments), a path, or an object with get_absolute_url; an empty one is no link."""
    *pairs, current = parts
    if len(pairs) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes (label, target) pairs and a label")
    crumbs = []
    for label, target in zip(pairs[::2], pairs[1::2], strict=True):
        if hasattr(target, "get_absolute_url"):
            url = target.get_absolute_url()
        elif isinstance(target, str) and ":" in target and not target.startswith("/"):
            url = reverse(target)
        else:
            url = target or ""
        crumbs.append((str(label), url))
    return {"crumbs": crumbs, "current": current}
