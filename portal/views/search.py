"""The global search (全局搜索): a results page and the navbar's drop-down of top hits."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.search import clean_query, run_search, search_sources

PAGE_LIMIT = 20  # hits per kind on the results page
KIND_LIMIT = 200  # hits on the page of one kind ("查看全部"), before asking for a longer query
SUGGEST_LIMIT = 5  # hits per kind in the drop-down


@login_required
def search(request):
    """Every kind's first hits; with `kind=<source key>`, that kind alone with up to
    KIND_LIMIT hits (the "查看全部" link of a kind that has more than PAGE_LIMIT)."""
    query = clean_query(request.GET.get("q"))
    kinds = {source.key for source in search_sources()}
    kind = request.GET.get("kind") if request.GET.get("kind") in kinds else ""
    limit = KIND_LIMIT if kind else PAGE_LIMIT
    groups = run_search(request.user, query, limit, only=kind or None)
    return render(request, "portal/search/results.html", {
        "query": query, "groups": groups, "limit": limit, "kind": kind,
        "total": sum(results.total for _, results in groups),
        "more": any(results.more for _, results in groups),
    })


@login_required
def search_suggest(request):
    """The drop-down under the navbar box (htmx, as the user types): the top hits per kind."""
    query = clean_query(request.GET.get("q"))
    groups = [(source, results) for source, results in run_search(request.user, query,
                                                                    SUGGEST_LIMIT)
              if results.total]
    return render(request, "portal/search/_suggest.html", {"query": query, "groups": groups})
