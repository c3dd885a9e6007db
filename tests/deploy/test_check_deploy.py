"""`manage.py check --deploy` and the production settings, in a subprocess with DEBUG off.

The example production environment points at a database and a broker that do not answer: the
checks and the settings must not need either.
"""

import json
import subprocess
import sys

from tests.deploy.conftest import ROOT

UNREACHABLE = {
    "DATABASE_URL": "postgres://tracker:secret@127.0.0.1:1/tracker",
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
}


def run(args, env, **kwargs):
    return subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, **kwargs
    )


def test_check_deploy_passes_with_the_example_production_environment(example_env, manage_py):
    result = run(
        [*manage_py, "check", "--deploy", "--fail-level", "WARNING"], {**example_env, **UNREACHABLE}
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_https_is_switched_off(example_env, manage_py):
    env = {**example_env, **UNREACHABLE, "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0"}

    result = run([*manage_py, "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W008" in result.stderr
    assert "security.W004" in result.stderr


def test_check_deploy_fails_with_the_placeholder_secret_key(example_env, manage_py):
    env = {**example_env, **UNREACHABLE, "SECRET_KEY": "change-me"}

    result = run([*manage_py, "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W009" in result.stderr


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.contrib.auth.hashers import make_password
print(json.dumps({
    "hash": make_password("correct horse battery"),
    "hashers": settings.PASSWORD_HASHERS,
    "backends": settings.AUTHENTICATION_BACKENDS,
    "middleware": settings.MIDDLEWARE,
    "proxy_ssl_header": settings.SECURE_PROXY_SSL_HEADER,
    "csrf_trusted_origins": settings.CSRF_TRUSTED_ORIGINS,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "axes_failure_limit": settings.AXES_FAILURE_LIMIT,
    "axes_lockout": settings.AXES_LOCKOUT_PARAMETERS,
    "csp": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
    "log_stream": settings.LOGGING["handlers"]["console"].get("stream"),
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def production_settings(env):
    result = run(
        [sys.executable, "-c", PROBE], {**env, "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_from_the_example_environment(example_env):
    prod = production_settings({**example_env, **UNREACHABLE})

    assert prod["hashers"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert prod["hash"].startswith("argon2$")
    assert prod["backends"][0] == "axes.backends.AxesStandaloneBackend"
    assert prod["middleware"][-1] == "axes.middleware.AxesMiddleware"
    assert "csp.middleware.CSPMiddleware" in prod["middleware"]
    assert prod["axes_failure_limit"] == 5
    assert prod["axes_lockout"] == [["username", "ip_address"]]
    assert prod["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert prod["csrf_trusted_origins"] == ["https://localhost"]
    assert prod["session_cookie_secure"] is True
    assert prod["csrf_cookie_secure"] is True
    assert prod["hsts"] >= 31_536_000
    assert prod["log_stream"] == "ext://sys.stdout"
    assert prod["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_content_security_policy_allows_no_inline_script_or_style(example_env):
    csp = production_settings({**example_env, **UNREACHABLE})["csp"]

    assert csp["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert csp[directive] == ["'self'"], directive
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_settings_can_run_plain_http_behind_no_proxy(example_env):
    env = {
        **example_env,
        **UNREACHABLE,
        "SECURE_PROXY_SSL_HEADER": "",
        "SECURE_SSL_REDIRECT": "false",
        "AXES_LOCKOUT_PARAMETERS": "username",
    }

    prod = production_settings(env)

    assert prod["proxy_ssl_header"] is None
    assert prod["axes_lockout"] == ["username"]


def test_a_malformed_proxy_ssl_header_stops_the_start(example_env):
    env = {**example_env, **UNREACHABLE, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}

    result = run(
        [sys.executable, "-c", PROBE], {**env, "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    )

    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be" in result.stderr


def test_logs_go_to_stdout(example_env, manage_py):
    env = {
        **example_env, **UNREACHABLE, "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "LOG_FORMAT": "plain",
    }
    code = "import django, logging; django.setup(); logging.getLogger('tracker').warning('hi-log')"

    result = run([sys.executable, "-c", code], env)

    assert result.returncode == 0, result.stderr
    assert "WARNING tracker hi-log" in result.stdout
    assert "hi-log" not in result.stderr


def test_debug_turns_the_https_switches_off_even_with_a_production_environment(example_env):
    # A developer who copied .env.example to .env for compose can still run `make run`.
    prod = production_settings({**example_env, **UNREACHABLE, "DEBUG": "true"})

    assert prod["session_cookie_secure"] is False
    assert prod["csrf_cookie_secure"] is False
    assert prod["hsts"] == 0
