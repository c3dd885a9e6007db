"""docker-compose.yml: valid for Debian's docker-compose, and the shape the README promises.

`docker-compose config` needs no Docker engine. The Makefile's test set-up installs the package.
"""

import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from tests.deploy.conftest import ROOT

DJANGO_SERVICES = ("web", "worker", "beat")


def docker_compose(*args, env):
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail(
            "docker-compose is not installed. Install it with: "
            "apt-get update && apt-get install -y docker-compose (or run `make test`)."
        )
    return subprocess.run(
        [exe, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def resolved(example_env):
    """The compose file after interpolation with the example environment, as compose sees it."""
    result = docker_compose("config", env=example_env)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def readme_services():
    """Service names from the first column of the README's docker compose table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production shape: docker compose", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_-]+)` \|", section, flags=re.MULTILINE))


def test_compose_file_is_valid_with_the_example_environment(example_env):
    result = docker_compose("config", "-q", env=example_env)

    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_a_secret_key(example_env):
    env = {k: v for k, v in example_env.items() if k != "SECRET_KEY"}

    result = docker_compose("config", "-q", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_every_service_the_readme_names_is_in_the_compose_file(example_env):
    named = readme_services()
    result = docker_compose("config", "--services", env=example_env)
    assert result.returncode == 0, result.stderr
    services = set(result.stdout.split())

    assert {"web", "worker", "beat", "postgres", "redis", "mailpit"} <= named
    assert named == services


def test_django_services_share_one_definition_through_an_anchor(resolved):
    raw = (ROOT / "docker-compose.yml").read_text()
    assert raw.count("&django") == 1
    assert raw.count("<<: *django") == len(DJANGO_SERVICES)

    services = resolved["services"]
    first = services[DJANGO_SERVICES[0]]
    for name in DJANGO_SERVICES:
        service = services[name]
        assert service["image"] == first["image"], name
        assert service["environment"] == first["environment"], name
        assert service["environment"]["DEBUG"] == "false", name
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:"), name
        assert service["environment"]["DATABASE_URL"].startswith("postgres://"), name
        assert service["environment"]["EMAIL_URL"] == "smtp://mailpit:1025", name
        for dependency in ("postgres", "redis"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy", name


def argv(value):
    """A command or entrypoint as a list, whichever form compose printed it in."""
    return shlex.split(value) if isinstance(value, str) else list(value or [])


def test_web_is_gunicorn_worker_is_celery_and_there_is_exactly_one_beat(resolved):
    services = {
        name: {
            **svc,
            "command": argv(svc.get("command")),
            "entrypoint": argv(svc.get("entrypoint")),
        }
        for name, svc in resolved["services"].items()
    }

    assert services["web"]["command"][0] == "gunicorn"
    assert "MIGRATE_ON_START=true" in services["web"]["entrypoint"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "tracker", "worker"]
    # A worker with an embedded beat (-B) would be a second beat.
    assert not {"-B", "--beat"} & set(services["worker"]["command"])
    beats = [name for name, svc in services.items() if "beat" in (svc.get("command") or [])]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_postgres_and_redis_have_healthchecks(resolved):
    services = resolved["services"]

    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "8025" in str(services["mailpit"]["ports"])


def test_image_runs_as_a_non_root_user_collects_static_and_migrates_on_start():
    dockerfile = (ROOT / "Dockerfile").read_text()
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()

    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^RUN .*collectstatic --noinput", dockerfile, flags=re.MULTILINE | re.DOTALL)
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert "manage.py migrate --noinput" in entrypoint
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
