"""Request-level limits that no form can enforce once the body has been read."""

from django.conf import settings
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

MB = 1024 * 1024


def upload_request_limit_text() -> str:
    """For help texts: the bound on everything one submission uploads."""
    return f"单次提交的文件合计不超过 {settings.UPLOAD_MAX_REQUEST_BYTES // MB} MB。"


class RequestSizeLimitMiddleware:
    """Refuse a request body over UPLOAD_MAX_REQUEST_BYTES before it is read (Django bounds
    form fields, not uploaded files): a clear Chinese page with status 413, nothing saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            referer = request.META.get("HTTP_REFERER", "")
            back = referer if url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}) else "/"
            return render(request, "413.html", {
                "size_mb": f"{length / MB:.0f}", "limit": upload_request_limit_text(),
                "back": back}, status=413)
        return self.get_response(request)
