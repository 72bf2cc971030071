"""portal.warmup: what a web process would build on its first request is built where the
application loads (under gunicorn's preload, in the master before it forks)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.warmup import project_templates, warm

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process: load the application as gunicorn does (portal.wsgi), then count the
# URL resolvers built and the templates compiled while serving what a first page asks for.
FIRST_PAGE = """
import json
import portal.wsgi
from django.template import engines
from django.urls import resolvers, reverse
built = []
original = resolvers.URLResolver._populate
resolvers.URLResolver._populate = lambda self: (built.append(repr(self)), original(self))[1]
loader = engines["django"].engine.template_loaders[0]
compiled = len(loader.get_template_cache)
for name in ("ledger:compliance_units", "pairing:statistics", "alliances:overview",
             "admin:index", "portal:home", "logout"):
    reverse(name)
engines["django"].get_template("base.html")
print(json.dumps({"built": built, "compiled_before": compiled,
                  "compiled_after": len(loader.get_template_cache)}))
"""


@pytest.mark.django_db
def test_warm_compiles_every_project_template_without_touching_the_database():
    with CaptureQueriesContext(connection) as queries:
        compiled = warm()
    assert compiled == len(project_templates()) > 200
    assert "base.html" in project_templates()
    assert not queries.captured_queries


def test_a_process_loaded_through_wsgi_serves_its_first_page_with_nothing_left_to_build():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", FIRST_PAGE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["built"] == []  # no resolver built on the first reverse into a namespace
    assert figures["compiled_before"] >= len(project_templates())
    assert figures["compiled_after"] == figures["compiled_before"]
