"""Request-level limits that no form can enforce once the body has been read, and the answer
to a transient database conflict that escaped a view."""

import logging

from django.conf import settings
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from portal.transient import is_transient

logger = logging.getLogger(__name__)

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
            return render(request, "413.html", {
                "size_mb": f"{length / MB:.0f}", "limit": upload_request_limit_text(),
                "back": _back_url(request)}, status=413)
        return self.get_response(request)


def _back_url(request) -> str:
    """The page the request came from (same host only), else the home page."""
    referer = request.META.get("HTTP_REFERER", "")
    return referer if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}) else "/"


class TransientErrorMiddleware:
    """A deadlock or serialization failure that escaped a view (one not calling its services
    through portal.transient.retrying, or inside an outer transaction) is answered with a
    503 page asking to try again, with Retry-After, instead of a server error: the cancelled
    transaction was rolled back, so nothing was half-written. Other exceptions pass on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_transient(exception):
            return None
        logger.warning("transient database conflict escaped %s %s; answered 503",
                       request.method, request.path)
        response = render(request, "503.html", {"back": _back_url(request)}, status=503)
        response["Retry-After"] = "1"
        return response
