"""Small helpers shared by the portal's views."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404

PAGE_SIZE = 50


def paginate(request, queryset, per_page=PAGE_SIZE):
    """A page of `queryset`; an out-of-range or malformed page number gives the nearest page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def visible_or_404(queryset, user, **lookup):
    """Fetch through the scope: an object outside the user's scope is simply not found."""
    return get_object_or_404(queryset.visible_to(user), **lookup)


def query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
