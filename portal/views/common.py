"""Small helpers shared by the portal's views."""

import mimetypes
from pathlib import PurePosixPath

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

from portal import audit
from portal.models.audit import AuditAction

PAGE_SIZE = 50
# Lists that can hold hundreds of thousands of rows (a city's activities, its people) count at
# most this many: COUNT(*) over 500,000 activities cost 40 ms of every page of the list, and
# nobody pages past 200 pages instead of filtering.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count stops at `cap` (a COUNT over LIMIT cap + 1, without the
    ordering); `capped` says the list holds more, and the last page is the cap's."""

    def __init__(self, object_list, per_page, cap=COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _bounded_count(self):
        rows = self.object_list
        if hasattr(rows, "order_by"):
            return rows.order_by()[: self.cap + 1].count()
        return len(rows[: self.cap + 1])

    @cached_property
    def count(self):
        return min(self._bounded_count, self.cap)

    @property
    def capped(self):
        return self._bounded_count > self.cap


class GroupPaginator(Paginator):
    """Pages of whole groups (a list), each holding at most `rows_per_page` rows by `size(group)`
    — at least one group, however large. A page of a fixed number of groups weighs what its
    groups hold: five townships of 7 villages or five of 40. `per_page` is the row budget;
    `count` is the number of groups, `count_unit` what the pager calls one ("个乡镇")."""

    def __init__(self, groups, rows_per_page, size, count_unit="组"):
        super().__init__(groups, rows_per_page)
        self.count_unit = count_unit
        self._bounds = []  # (first, end) group index of each page
        first, rows = 0, 0
        for index, group in enumerate(groups):
            rows += size(group)
            if index > first and rows > rows_per_page:
                self._bounds.append((first, index))
                first, rows = index, size(group)
        if first < len(groups):
            self._bounds.append((first, len(groups)))

    @cached_property
    def num_pages(self):
        return max(len(self._bounds), 1)

    def page(self, number):
        number = self.validate_number(number)
        first, end = self._bounds[number - 1] if self._bounds else (0, 0)
        return self._get_page(self.object_list[first:end], number, self)


def paginate_groups(request, groups, rows_per_page, size, count_unit="组"):
    """A page of whole `groups` holding at most `rows_per_page` rows (GroupPaginator); an
    out-of-range or malformed page number gives the nearest page."""
    return (GroupPaginator(groups, rows_per_page, size, count_unit)
            .get_page(request.GET.get("page")))


def paginate(request, queryset, per_page=PAGE_SIZE, *, count_cap=None, count=None):
    """A page of `queryset`; an out-of-range or malformed page number gives the nearest page.
    With `count_cap` the count stops there (CappedPaginator): for lists whose length is no
    figure anyone reads. `count`: the queryset's length when the caller knows it from a tally
    (instead of counting the rows)."""
    paginator = (Paginator(queryset, per_page) if count_cap is None
                 else CappedPaginator(queryset, per_page, cap=count_cap))
    if count is not None:
        paginator.count = count  # Paginator.count is a cached_property: this is its value
    return paginator.get_page(request.GET.get("page"))


def visible_or_404(queryset, user, **lookup):
    """Fetch through the scope: an object outside the user's scope is simply not found."""
    return get_object_or_404(queryset.visible_to(user), **lookup)


def query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def error_text(error) -> str:
    """One line of Chinese messages from a ValidationError or a bound form's errors."""
    if hasattr(error, "errors") and hasattr(error, "is_bound"):
        return "；".join(message for messages in error.errors.values() for message in messages)
    return "；".join(error.messages)


def stored_file_response(field_file, filename_stem, *, actor=None, audit_summary="", **data):
    """Serve an uploaded file as an attachment, after the caller's scope check.

    The extension comes from the stored name, which uploads derive from the content."""
    if not field_file:
        raise Http404("文件不存在。")
    extension = PurePosixPath(field_file.name).suffix.lower()
    try:
        handle = field_file.open("rb")
    except OSError as exc:
        raise Http404("文件已丢失，请重新上传。") from exc
    if audit_summary:
        audit.record(AuditAction.DOWNLOAD, audit_summary, actor=actor, **data)
    return FileResponse(handle, as_attachment=True, filename=f"{filename_stem}{extension}",
                        content_type=mimetypes.types_map.get(extension,
                                                             "application/octet-stream"))


def add_service_errors(form, exc):
    """Put a service's ValidationError on the form: dict entries on their fields when the form
    has them, everything else as a form-wide error."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def redirect_back(request, default):
    """The page a POST came from (`next`, same host only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)
