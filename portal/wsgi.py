"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# The digest of the code being served, taken now (in the master under gunicorn's preload):
# cached fragments are keyed by it (portal.fragments).
from portal.fragments import code_fingerprint  # noqa: E402

code_fingerprint()

# Imports, URL tables and compiled templates every worker would build on its first request:
# built here, once, so gunicorn's forked workers start with them (portal.warmup).
from portal.warmup import warm  # noqa: E402

warm()
