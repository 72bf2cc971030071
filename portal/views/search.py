"""The global search (全局搜索): a results page and the navbar's drop-down of top hits."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.search import clean_query, run_search

PAGE_LIMIT = 20  # hits per kind on the results page
SUGGEST_LIMIT = 5  # hits per kind in the drop-down


@login_required
def search(request):
    query = clean_query(request.GET.get("q"))
    groups = run_search(request.user, query, PAGE_LIMIT)
    return render(request, "portal/search/results.html", {
        "query": query, "groups": groups, "limit": PAGE_LIMIT,
        "total": sum(results.total for _, results in groups),
    })


@login_required
def search_suggest(request):
    """The drop-down under the navbar box (htmx, as the user types): the top hits per kind."""
    query = clean_query(request.GET.get("q"))
    groups = [(source, results) for source, results in run_search(request.user, query,
                                                                    SUGGEST_LIMIT)
              if results.total]
    return render(request, "portal/search/_suggest.html", {"query": query, "groups": groups})
