"""Fixtures for the deploy tier: the example production environment, read from .env.example."""

import os
import secrets
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as docker compose reads them: no quotes, no expansion, # comments."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
        values[key.strip()] = value.strip()
    return values


@pytest.fixture
def example_env() -> dict[str, str]:
    """.env.example with a real SECRET_KEY, nothing inherited from the developer's shell."""
    env = read_env_file(ROOT / ".env.example")
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    env["POSTGRES_PASSWORD"] = secrets.token_urlsafe(16)
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    env["HOME"] = os.environ.get("HOME", "/tmp")
    return env


@pytest.fixture
def manage_py():
    return [sys.executable, str(ROOT / "manage.py")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
