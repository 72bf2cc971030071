"""gunicorn takes its workers and threads from the environment, with defaults for compose."""

import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_defaults_suit_a_two_core_server(monkeypatch):
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT",
                 "GUNICORN_MAX_REQUESTS", "GUNICORN_BIND", "GUNICORN_PRELOAD"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(CONFIG))
    assert (config["workers"], config["threads"], config["worker_class"]) == (4, 2, "gthread")
    assert config["preload_app"] is True
    assert config["bind"] == "0.0.0.0:8000" and config["timeout"] == 120
    assert config["max_requests"] == 2000 and config["max_requests_jitter"] == 200


def test_the_environment_sets_workers_threads_and_timeout(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("GUNICORN_TIMEOUT", " 60 ")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "")
    config = runpy.run_path(str(CONFIG))
    assert (config["workers"], config["threads"], config["timeout"]) == (5, 8, 60)
    assert config["max_requests"] == 2000  # blank means the default


def test_preload_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    assert runpy.run_path(str(CONFIG))["preload_app"] is False
