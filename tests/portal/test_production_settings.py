"""Production settings: `check --deploy` is clean, and missing secrets stop the start.

Each case runs manage.py in a fresh interpreter with an explicit environment, because the
settings module is chosen and evaluated once per process (DJANGO_ENV=production).
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
REFUSAL = "生产环境必须设置 DJANGO_SECRET_KEY 和 DJANGO_ALLOWED_HOSTS 环境变量。"
WEAK = "DJANGO_SECRET_KEY 至少 50 个字符，DJANGO_ALLOWED_HOSTS 不能为空。"


def production_env(**overrides):
    """A minimal environment: nothing (DATABASE_URL, broker, DEBUG) leaks in from the caller."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "portal.example.cn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portal.example.cn",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.fixture(autouse=True)
def _no_dotenv():
    # base.py reads BASE_DIR/.env without overwriting: its values would mask a missing variable.
    if (BASE_DIR / ".env").exists():
        pytest.skip("a .env file in the project root supplies settings to every process")


def test_check_deploy_passes_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "?:" not in output


def test_check_deploy_flags_a_disabled_https_redirect():
    """The check above can fail: turning HTTPS redirection off is reported."""
    env = production_env(DJANGO_SECURE_SSL_REDIRECT="False")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.parametrize(("missing", "message"), [
    ("DJANGO_SECRET_KEY", REFUSAL),
    ("DJANGO_ALLOWED_HOSTS", REFUSAL),
])
def test_refuses_to_start_without_required_variable(missing, message):
    result = manage("check", env=production_env(**{missing: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("overrides", [
    {"DJANGO_SECRET_KEY": "short-key"},
    {"DJANGO_SECRET_KEY": "a" * 60},
    {"DJANGO_ALLOWED_HOSTS": ""},
])
def test_refuses_weak_key_or_empty_hosts(overrides):
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert WEAK in result.stderr


def test_development_settings_still_start_without_secrets():
    env = production_env(DJANGO_ENV=None, DJANGO_SECRET_KEY=None, DJANGO_ALLOWED_HOSTS=None)
    result = manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
