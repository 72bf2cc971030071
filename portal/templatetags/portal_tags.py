"""Display helpers: role labels, money and month formats used across templates."""

from decimal import Decimal

from django import template

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
