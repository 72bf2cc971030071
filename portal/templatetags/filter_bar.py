"""`{% filter_bar form id="person-filter" target="#people-table" %}`: the one filter bar of
every list page (templates/includes/filter_form.html).

Search text and filters are one GET form, so sending either keeps the other, and pagination
links carry both (`query_string`). With a `target`, htmx replaces only the list as the user
changes a filter and the address keeps the filters. Every blank choice reads "全部"; large
organization and person choices become pickers (portal.widgets). 重置 goes back to the page
without parameters. With `export` (a portal.list_exports exporter's identifier) and the
user's capability for it, an 导出 Excel button posts the current filters to that export
(static/js/filter-bar.js keeps them in step after live updates)."""

from django import template
from django.urls import reverse

from portal.exporting import get_exporter
from portal.filters import blank_as_all
from portal.scope import has_capability
from portal.widgets import use_pickers

register = template.Library()

WIDE_FIELDS = {"q"}


@register.inclusion_tag("includes/filter_form.html", takes_context=True)
def filter_bar(context, form, *, id, target="", action="", swap="outerHTML", export="",
               submit_label="筛选", reset=True):
    request = context["request"]
    export_url = ""
    if export and has_capability(request.user, get_exporter(export).capability):
        export_url = reverse("portal:list_export", args=[export])
    use_pickers(blank_as_all(form))
    fields = [(field, "col-12 col-md-3" if field.name in WIDE_FIELDS
               or field.field.widget.__class__.__name__.endswith("Picker")
               else "col-6 col-md-2") for field in form.visible_fields()]
    return {
        "form": form, "fields": fields, "form_id": id, "target": target,
        "action": action or request.path, "swap": swap, "export_url": export_url,
        "submit_label": submit_label, "reset_url": request.path if reset else "",
        "query_string": context.get("query_string", request.GET.urlencode()),
        "request": request,
    }


@register.simple_tag
def pickers(form):
    """`{% pickers form %}` before a form that a function view renders: its large organization
    and person choices become pickers (portal.widgets.use_pickers); renders nothing."""
    use_pickers(form)
    return ""
