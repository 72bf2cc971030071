"""GroupPaginator: pages of whole groups within a row budget."""

from django.test import RequestFactory

from portal.views.common import GroupPaginator, paginate_groups


def _pages(sizes, budget):
    paginator = GroupPaginator(list(sizes), budget, size=lambda n: n)
    return [list(paginator.page(n).object_list) for n in paginator.page_range]


def test_groups_fill_a_page_up_to_the_budget_and_never_split():
    assert _pages([7, 8, 7, 9, 6, 7, 8], 30) == [[7, 8, 7], [9, 6, 7, 8]]
    assert _pages([16] * 5, 50) == [[16, 16, 16], [16, 16]]
    assert _pages([10, 40], 50) == [[10, 40]]  # exactly the budget


def test_a_group_larger_than_the_budget_is_a_page_of_its_own():
    assert _pages([5, 80, 5, 5], 50) == [[5], [80], [5, 5]]
    assert _pages([80], 50) == [[80]]


def test_count_is_the_groups_and_an_empty_list_has_one_empty_page():
    paginator = GroupPaginator([16] * 7, 50, size=lambda n: n)
    assert (paginator.count, paginator.num_pages, paginator.per_page) == (7, 3, 50)
    empty = GroupPaginator([], 50, size=lambda n: n)
    assert empty.num_pages == 1 and list(empty.page(1).object_list) == []


def test_a_malformed_page_gives_the_first_page_and_an_out_of_range_one_the_last():
    groups = [20, 20, 20, 20]
    for value, expected in (("x", 1), ("0", 2), ("2", 2), ("99", 2), ("", 1)):
        request = RequestFactory().get("/", {"page": value})
        page = paginate_groups(request, groups, 40, size=lambda n: n)
        assert page.number == expected
        assert list(page.object_list) == [20, 20]
    last = paginate_groups(RequestFactory().get("/", {"page": "2"}), groups, 40, lambda n: n)
    assert not last.has_next() and last.has_previous()
