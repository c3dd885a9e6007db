"""docker-compose.yml: valid for Debian's docker-compose, and the shape the README promises.

`docker-compose config` needs no Docker engine. The Makefile's test set-up installs the package.
"""

import ipaddress
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from tests.deploy.conftest import ROOT, read_env_file

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
def compose_env(example_env, tmp_path):
    """The example environment, both in the shell (for interpolation) and as the env_file a
    checkout without .env lacks (ENV_FILE names it)."""
    env_file = tmp_path / "example.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in example_env.items()
                                if k not in {"PATH", "HOME"}))
    return {**example_env, "ENV_FILE": str(env_file)}


@pytest.fixture
def resolved(compose_env):
    """The compose file after interpolation with the example environment, as compose sees it."""
    result = docker_compose("config", env=compose_env)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def readme_services():
    """Service names from the first column of the README's docker compose table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production shape: docker compose", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_-]+)` \|", section, flags=re.MULTILINE))


def test_compose_file_is_valid_with_the_example_environment(compose_env):
    result = docker_compose("config", "-q", env=compose_env)

    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_a_secret_key(compose_env):
    env = {k: v for k, v in compose_env.items() if k != "SECRET_KEY"}

    result = docker_compose("config", "-q", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_every_service_the_readme_names_is_in_the_compose_file(compose_env):
    named = readme_services()
    result = docker_compose("config", "--services", env=compose_env)
    assert result.returncode == 0, result.stderr
    services = set(result.stdout.split())

    assert {"proxy", "web", "worker", "beat", "postgres", "redis", "mailpit"} <= named
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
    """A command or entrypoint as a list, whichever form compose printed it in; without
    Celery's --quiet (no banner: with LOG_FORMAT=json every line is JSON)."""
    args = shlex.split(value) if isinstance(value, str) else list(value or [])
    return [a for a in args if a != "--quiet"]


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


def test_every_service_has_a_healthcheck(resolved):
    services = resolved["services"]

    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert services["mailpit"]["healthcheck"]["test"][-1] == "readyz"
    for role in ("web", "worker", "beat"):
        test = services[role]["healthcheck"]["test"]
        assert test[-2:] == ["/app/docker/healthcheck.py", role], role
    assert "127.0.0.1:2019" in " ".join(services["proxy"]["healthcheck"]["test"])  # Caddy's admin
    assert {name for name, svc in services.items() if "healthcheck" not in svc} == set()
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def published(service):
    """(host address, host port, container port) for each port compose publishes."""
    out = []
    for port in service.get("ports", []):
        if isinstance(port, dict):  # docker-compose's long form
            out.append((port.get("host_ip", ""), str(port["published"]), str(port["target"])))
        else:
            *host, target = str(port).split("/")[0].split(":")
            out.append((host[0] if len(host) == 2 else "", host[-1], target))
    return out


def test_published_ports_listen_on_loopback_only_by_default(resolved):
    services = resolved["services"]
    ports = {name: published(svc) for name, svc in services.items() if svc.get("ports")}

    assert set(ports) == {"proxy", "web", "mailpit"}
    for name, entries in ports.items():
        for host_ip, _, _ in entries:
            assert host_ip == "127.0.0.1", (name, entries)
    assert {(p, t) for _, p, t in ports["proxy"]} == {("443", "443"), ("80", "80")}
    assert {(p, t) for _, p, t in ports["mailpit"]} == {("8025", "8025")}


def test_a_proxy_binding_can_be_opened_on_purpose(compose_env):
    result = docker_compose("config", env={**compose_env, "PROXY_BIND": "0.0.0.0"})
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]

    assert {ip for ip, _, _ in published(services["proxy"])} == {"0.0.0.0"}
    assert {ip for ip, _, _ in published(services["mailpit"])} == {"127.0.0.1"}


def test_the_tls_proxy_is_caddy_in_front_of_web(resolved):
    proxy = resolved["services"]["proxy"]
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    env = resolved["services"]["web"]["environment"]

    assert proxy["image"].split(":")[0] == "caddy"  # the official image
    assert any(v.endswith(":/etc/caddy/Caddyfile:ro") for v in map(str, proxy["volumes"]))
    assert proxy["environment"] == {"SITE_HOST": "localhost"}
    assert re.search(r"^\{\$SITE_HOST:localhost\} \{", caddyfile, flags=re.MULTILINE)
    assert re.search(r"^\s+reverse_proxy web:8000$", caddyfile, flags=re.MULTILINE)
    # The production settings, as .env.example gives them, fit https://SITE_HOST behind it.
    assert env["SECURE_PROXY_SSL_HEADER"] == "HTTP_X_FORWARDED_PROTO,https"
    assert env["SECURE_SSL_REDIRECT"] == "true"
    assert env["ALLOWED_HOSTS"] == "localhost"
    assert env["CSRF_TRUSTED_ORIGINS"] == "https://localhost"
    assert env["SITE_URL"] == "https://localhost"
    # Only the proxy's own address is trusted for X-Forwarded-For.
    address = proxy["networks"]["default"]["ipv4_address"]
    assert env["TRUSTED_PROXIES"] == address
    subnet = resolved["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)


# Who reads what: compose itself (interpolation), the proxy, postgres; all else is the app's.
READ_BY = {
    "SITE_HOST": {"proxy"},
    "POSTGRES_USER": {"postgres"},
    "POSTGRES_PASSWORD": {"postgres"},
    "POSTGRES_DB": {"postgres"},
}


def test_every_setting_of_the_env_example_reaches_the_services_that_read_it(
    example_env, compose_env, tmp_path
):
    # Distinct values, so that each one found is the one the file gave.
    keys = read_env_file(ROOT / ".env.example")
    marked = {key: f"{value}-{i}" if key not in {"SECRET_KEY", "POSTGRES_PASSWORD"} else
              example_env[key] for i, (key, value) in enumerate(keys.items())}
    for numeric in ("WEB_CONCURRENCY", "WORKER_CONCURRENCY"):
        marked[numeric] = str(40 + len(marked[numeric]))
    env_file = tmp_path / "marked.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in marked.items()))
    result = docker_compose("config", env={**compose_env, **marked, "ENV_FILE": str(env_file)})
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]

    # Compose decides DEBUG (always off); the rest is .env's, unchanged, in web, worker and beat.
    for key, value in marked.items():
        for name in READ_BY.get(key, set(DJANGO_SERVICES)):
            got = services[name].get("environment", {}).get(key)
            if key == "DEBUG":
                assert got == "false", name
            else:
                assert got == value, (key, name)
    url = services["web"]["environment"]["DATABASE_URL"]
    assert f"{marked['POSTGRES_USER']}:{marked['POSTGRES_PASSWORD']}@" in url
    assert url.split("?")[0].endswith("/" + marked["POSTGRES_DB"])
    assert f"--concurrency={marked['WORKER_CONCURRENCY']}" in argv(services["worker"]["command"])
    # The proxy gets no secret.
    assert "SECRET_KEY" not in services["proxy"].get("environment", {})


def test_every_name_in_the_env_example_is_read_by_someone():
    """A misspelt name in .env would be passed along and silently ignored."""
    names = set(read_env_file(ROOT / ".env.example"))
    commented = re.findall(r"^# ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(),
                           flags=re.MULTILINE)
    readers = "\n".join(
        (ROOT / path).read_text()
        for path in ("tracker/settings.py", "docker-compose.yml", "docker/Caddyfile",
                     "docker/gunicorn.conf.py", "docker/healthcheck.py")
    )
    for name in names | set(commented):
        assert re.search(rf"\b{name}\b", readers.replace(".env", "")), name
    for name in names - {"DEBUG", "SECRET_KEY", "SITE_HOST", "WEB_CONCURRENCY",
                         "WORKER_CONCURRENCY"} - READ_BY.keys():
        assert f'"{name}"' in (ROOT / "tracker" / "settings.py").read_text(), name


def test_image_runs_as_a_non_root_user_collects_static_and_migrates_on_start():
    dockerfile = (ROOT / "Dockerfile").read_text()
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()

    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^RUN .*collectstatic --noinput", dockerfile, flags=re.MULTILINE | re.DOTALL)
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert "manage.py migrate --noinput" in entrypoint
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
