"""Fixtures of the fault tier, and a summary of what each fault test lost and duplicated."""

import pytest

from tests.integration.conftest import redis_broker  # noqa: F401
from tests.integration.harness import (
    Cluster,
    PrivateRedis,
    celery_env,
    database_url,
    require_postgres,
)

FAULT_REPORT: list[str] = []


@pytest.fixture
def report():
    def add(line: str) -> None:
        print("\n" + line)
        FAULT_REPORT.append(line)

    return add


@pytest.fixture
def clusters(tmp_path):
    """make(broker_url, sink, **env) -> a Cluster; every one is stopped at the end."""
    made = []

    def make(broker, sink, **extra):
        env = celery_env(broker=broker, database=database_url(), email_url=sink.url,
                         tmp=tmp_path, **extra)
        c = Cluster(env, tmp_path)
        made.append(c)
        return c

    yield make
    for c in made:
        c.stop()


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own (its url is `.url`), for a test that kills and restarts
    it; PostgreSQL is required too. List it after `clusters`: it is killed before they stop."""
    require_postgres()
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.kill()


def pytest_terminal_summary(terminalreporter):
    if FAULT_REPORT:
        terminalreporter.write_sep("-", "fault tests: reminders lost and duplicated")
        for line in FAULT_REPORT:
            terminalreporter.write_line(line)
