import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_database_and_queue(client):
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["queue"]["status"] == "ok"
    assert body["checks"]["queue"]["pending_tasks"] == 0


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get(reverse("core:healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "error"


def test_pages_carry_a_csp_without_unsafe_inline(client):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_theme_css_refuses_anything_but_a_hex_colour(client, settings):
    settings.SPASER_THEME_PRIMARY = "red;}body{display:none"
    css = client.get(reverse("core:theme_css")).content.decode()
    assert "display:none" not in css
    assert "--spaser-primary:#00535e" in css


def _run_production(command, **environment):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "SPASER_", "REDIS_URL"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "SPASER_VAR_DIR": "/tmp/spaser-check-deploy"})
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_refuse_to_start_without_secret_key():
    result = _run_production(["check"], DJANGO_ALLOWED_HOSTS="spaser.example.fr")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    result = _run_production(["check"], DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_check_deploy_passes_with_production_settings():
    result = _run_production(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SECRET_KEY="k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ" * 2,
        DJANGO_ALLOWED_HOSTS="spaser.example.fr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_collectstatic_succeeds_with_the_production_manifest_storage(tmp_path):
    """The manifest storage refuses a file that points to a missing one (e.g. a source map not shipped)."""
    result = _run_production(
        ["collectstatic", "--noinput"],
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="spaser.example.fr",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "0"),
        ({"DJANGO_BEHIND_PROXY": "True"}, "1"),
        ({"DJANGO_BEHIND_PROXY": "True", "DJANGO_TRUSTED_PROXIES": "0"}, "0"),
        ({"DJANGO_BEHIND_PROXY": "True", "DJANGO_TRUSTED_PROXIES": "2"}, "2"),
    ],
)
def test_trusted_proxies_default_to_one_behind_a_proxy_and_none_otherwise(environment, expected):
    result = _run_production(
        ["shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SPASER_TRUSTED_PROXIES)"],
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="spaser.example.fr",
        **environment,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == expected
