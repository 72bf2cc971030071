"""Display helpers: role labels, money and month formats used across templates."""

from decimal import Decimal

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.html import format_html, format_html_join

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


# The status badge and the action buttons are built in Python, not by an inclusion tag: they
# sit on every row of the long lists (补录申请, 三清单一协议, 认领, ...), and rendering a
# sub-template per row was about a quarter of a 50-row page's template time.
@register.simple_tag
def status_badge(obj):
    """The object's workflow state as a coloured badge (one tag for every app)."""
    from portal.workflow import workflow_of

    label, colour = workflow_of(obj).badge(obj)
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, label)


@register.simple_tag(takes_context=True)
def action_buttons(context, obj, next_url="", size=""):
    """A POST form per transition the user may take on `obj` now (`available_actions`): a
    button, or a required reason field and its button, asking `confirm` first if set."""
    from portal.workflow import action_url, available_actions

    csrf = CsrfTokenNode().render(context)  # what {% csrf_token %} renders
    forms = [_action_form(t, action_url(t, obj), csrf, next_url, size)
             for t in available_actions(obj, context["request"].user) if t.url_name]
    return format_html_join("", "{}", ((form,) for form in forms))


def _action_form(transition, url, csrf, next_url, size):
    t = transition
    confirm = format_html(' data-confirm="{}"', t.confirm) if t.confirm else ""
    next_input = (format_html('<input type="hidden" name="next" value="{}">', next_url)
                  if next_url else "")
    icon = format_html('<i class="bi bi-{}"></i> ', t.icon) if t.icon else ""
    if t.reason_field:
        group = " input-group-" + size if size else ""
        body = format_html(
            '<div class="input-group{}"><input type="text" name="{}" class="form-control" '
            'required maxlength="300" placeholder="{}原因" aria-label="{}原因">'
            '<button type="submit" class="btn btn-outline-{}">{}{}</button></div>',
            group, t.reason_field, t.label, t.label, t.style, icon, t.label)
    else:
        body = format_html('<button type="submit" class="btn btn-{}{}">{}{}</button>',
                           t.style, " btn-" + size if size else "", icon, t.label)
    return format_html('<form method="post" action="{}" class="d-inline-block me-1 mb-1"{}>'
                       "{}{}{}</form>", url, confirm, csrf, next_input, body)


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
