"""Excel import and export pages (being built)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.scope import require


@login_required
def transfer_index(request):
    require(request.user, "data.import")
    return render(request, "portal/transfer/index.html", {})
