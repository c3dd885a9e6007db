"""Fixtures of the integration tier: PostgreSQL (the test database, shared with the worker
processes), Redis (TEST_REDIS_URL, db 15 by default), an SMTP sink, and a Celery cluster that
is stopped before the database is flushed."""

import pytest

from .harness import (
    Cluster,
    SmtpSink,
    celery_env,
    database_url,
    flush_redis,
    redis_url,
    require_postgres,
    require_redis,
)


@pytest.fixture
def redis_broker():
    require_postgres()
    url = redis_url()
    require_redis(url)
    flush_redis(url)
    yield url
    flush_redis(url)


@pytest.fixture
def sink():
    with SmtpSink() as s:
        yield s


@pytest.fixture
def cluster(redis_broker, sink, tmp_path):
    env = celery_env(broker=redis_broker, database=database_url(), email_url=sink.url,
                     tmp=tmp_path)
    c = Cluster(env, tmp_path)
    yield c
    c.stop()
