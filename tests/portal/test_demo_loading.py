"""The apps' demo modules load only when seeding: never in the web process, and then in
INSTALLED_APPS order (pairing's data before ledger's, whose rows link to it)."""

import os
import subprocess
import sys
from pathlib import Path

from portal import demo

ROOT = Path(__file__).resolve().parents[2]
LOADED_DEMO_MODULES = (
    "import sys; from django.core.wsgi import get_wsgi_application; "
    "get_wsgi_application(); from portal.urls import urlpatterns; "
    "print(sorted(m for m in sys.modules if m.rsplit('.', 1)[-1] in ('demo', 'demo_data')))"
)


def test_the_web_application_loads_no_demo_module():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    done = subprocess.run([sys.executable, "-c", LOADED_DEMO_MODULES], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_seeding_loads_the_app_demos_and_runs_them_in_installed_apps_order():
    demo.load_app_demos()
    assert {"pairing.demo", "ledger.demo"} <= set(sys.modules)
    modules = [next(f for f in ext if f).__module__ for ext in demo._ordered_extensions()]
    assert modules.index("pairing.demo") < modules.index("ledger.demo")


def test_extensions_run_in_app_order_whatever_order_they_registered_in(monkeypatch):
    demo.load_app_demos()
    by_module = {next(f for f in ext if f).__module__: ext for ext in demo._extensions}
    monkeypatch.setattr(demo, "_extensions", [by_module["ledger.demo"],
                                              by_module["pairing.demo"]])
    assert demo._ordered_extensions() == [by_module["pairing.demo"], by_module["ledger.demo"]]
