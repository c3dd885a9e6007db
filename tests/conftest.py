"""Shared fixtures. A tier whose service is missing fails with a message on how to start it."""

import os

import pytest

os.environ.setdefault("DEBUG", "true")


def pytest_configure(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        try:
            psycopg.connect(
                host=db.get("HOST") or "127.0.0.1",
                port=db.get("PORT") or 5432,
                user=db.get("USER") or "postgres",
                password=db.get("PASSWORD") or None,
                dbname="postgres",
                connect_timeout=5,
            ).close()
        except psycopg.OperationalError as exc:
            raise pytest.UsageError(
                f"DATABASE_URL points to PostgreSQL but it is not reachable ({exc}).\n"
                "Start it with: pg_ctlcluster --skip-systemctl-redirect "
                "$(ls /etc/postgresql) main start"
            ) from exc


@pytest.fixture(autouse=True)
def _email_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (django-allauth's and tracker/accounts/limits.py) count in the cache: each
    test starts from zero, as ids and the frozen clock repeat from test to test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests/deploy checks production uses it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from tests.factories import UserFactory

    return UserFactory()


# The security and fuzz tiers' names for them: the owner of the objects at stake, and someone
# else who must not reach them.
@pytest.fixture
def owner(user):
    return user


@pytest.fixture
def intruder(other_user):
    return other_user


# Logging in. django-axes' backend needs the request in authenticate(), and the test client's
# login() passes none (it raises AxesBackendRequestParameterRequired): tests log in with
# force_login(), which skips the password check, and the tests of the password check post the
# real login form (tests/security/test_auth.py, tests/deploy/test_login_throttling.py, e2e).


@pytest.fixture
def user_client(client, user):
    """The test client, logged in as `user`."""
    client.force_login(user)
    return client


@pytest.fixture
def client_for(client):
    """client_for(someone): the test client, logged in as that person."""

    def login(u):
        client.force_login(u)
        return client

    return login
