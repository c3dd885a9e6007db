"""/healthz checks the database and the broker; /healthz/live checks nothing."""

import os

import pytest
from django.db import OperationalError, connections

pytestmark = pytest.mark.django_db

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def filesystem_broker(settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
    }


@pytest.fixture
def unreachable_broker(settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}


@pytest.fixture
def database_down(monkeypatch):
    """Every query fails as on a database that refuses connections."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)


def test_healthz_is_200_when_database_and_broker_answer(client, filesystem_broker):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "checks": {"database": "ok", "broker": "ok", "reminders": "ok"}
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_broker_is_unreachable(client, unreachable_broker):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error", "checks": {"database": "ok", "broker": "error", "reminders": "ok"}
    }


def test_healthz_is_503_when_the_database_fails(client, filesystem_broker, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    # Without the database the reminders cannot be read either.
    assert response.json()["checks"] == {"database": "error", "broker": "ok", "reminders": "error"}


def test_healthz_does_not_say_why_it_failed(client, unreachable_broker):
    body = client.get("/healthz").content.decode()

    assert "127.0.0.1" not in body
    assert "refused" not in body.lower()


def test_health_endpoints_need_no_login(client, filesystem_broker):
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/live").status_code == 200


def test_liveness_checks_nothing(client, unreachable_broker, database_down):
    response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_endpoints_answer_plain_http_when_https_is_enforced(
    client, settings, filesystem_broker
):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/live").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_health_endpoints_refuse_post(client, filesystem_broker):
    assert client.post("/healthz").status_code == 405


@pytest.mark.integration
def test_healthz_is_200_on_real_redis(client, settings):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail(
            "TEST_REDIS_URL is not set. Start Redis (redis-server --daemonize yes) and run with "
            "TEST_REDIS_URL=redis://127.0.0.1:6379/15, as `make test-postgres` does."
        )
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz")

    assert response.status_code == 200, (
        f"Redis at {url} did not answer; start it with: redis-server --daemonize yes"
    )
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "reminders": "ok"}
