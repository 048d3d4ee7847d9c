"""The documented production settings pass Django's deployment checks, and production is the
default when DJANGO_DEBUG is absent."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDRESS_"))}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "k8Jq2v0Zr7XwPm4sT1bYc6nH9eLfA3dG5uRiO2yKqW8zVx7-Np3Ld5Hs",
    "DJANGO_ALLOWED_HOSTS": "redress.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://redress.example.com",
}


def test_check_deploy_passes_with_the_documented_production_settings(tmp_path: Path) -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", REDRESS_VAR_DIR=str(tmp_path), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_off_when_the_variable_is_absent(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_AGE)"
    result = manage("shell", "--no-imports", "-c", code, REDRESS_VAR_DIR=str(tmp_path / "var"), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", str(30 * 60)]  # and sessions end after 30 idle minutes


def test_importing_the_settings_creates_no_directories(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDRESS_", "CELERY_", "DATABASE_"))}
    env.update(PRODUCTION, REDRESS_VAR_DIR=str(tmp_path / "var"))
    subprocess.run([sys.executable, "-c", "import config.settings"], cwd=ROOT, env=env, check=True, timeout=60)
    assert not (tmp_path / "var").exists()


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = manage("check", REDRESS_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_links_follow_the_port_make_run_was_given_unless_the_base_url_says_otherwise(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.REDRESS_BASE_URL)"
    dev = {"DJANGO_DEBUG": "true", "REDRESS_VAR_DIR": str(tmp_path)}
    assert (
        manage("shell", "--no-imports", "-c", code, REDRESS_PORT="8123", **dev).stdout.strip()
        == "http://127.0.0.1:8123"
    )
    given = manage(
        "shell", "--no-imports", "-c", code, REDRESS_PORT="8123", REDRESS_BASE_URL="https://r.example.com/", **dev
    )
    assert given.stdout.strip() == "https://r.example.com"
