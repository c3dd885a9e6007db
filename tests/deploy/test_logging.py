"""LOG_FORMAT=json: one JSON object a line from Django, the Celery worker and beat, and gunicorn,
with the `extra` fields a call passes (the dispatcher's reminder_id, kind, message_id)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.deploy.conftest import ROOT, free_port

CELERY = str(ROOT / ".venv" / "bin" / "celery")


def json_lines(text: str) -> list[dict]:
    """Every non-empty line, parsed; fails on the first that is not one JSON object."""
    parsed = []
    for line in text.splitlines():
        if line.strip():
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"not a JSON line: {line!r}\nin:\n{text}")
            assert isinstance(parsed[-1], dict), line
    return parsed


@pytest.fixture
def dev_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "CELERY_"))}
    for folder in ("queue", "processed", "control"):
        (tmp_path / "broker" / folder).mkdir(parents=True)
    env.update(
        DEBUG="true", READ_DOT_ENV="false", LOG_FORMAT="json", PYTHONUNBUFFERED="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
    )
    return env


def test_json_lines_carry_the_extra_fields_and_the_traceback(dev_env):
    code = (
        "import django, logging; django.setup()\n"
        "log = logging.getLogger('tracker.reminders.dispatch')\n"
        "log.info('Reminder %s sent', 7, extra={'reminder_id': 7, 'kind': 'before_24h',"
        " 'message_id': '<reminder.7@example.com>'})\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('Reminder 8 failed')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env={**dev_env, "DJANGO_SETTINGS_MODULE": "tracker.settings"},
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    lines = [r for r in json_lines(result.stdout) if r["logger"] == "tracker.reminders.dispatch"]
    sent, failed = lines
    assert sent["message"] == "Reminder 7 sent"
    assert sent["level"] == "INFO"
    assert (sent["reminder_id"], sent["kind"], sent["message_id"]) == (
        7, "before_24h", "<reminder.7@example.com>"
    )
    assert sent["time"].endswith("+00:00")
    assert failed["level"] == "ERROR"
    assert "ZeroDivisionError" in failed["exc_info"]


def test_an_unknown_log_format_stops_the_start(dev_env):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"], env={**dev_env, "LOG_FORMAT": "xml"},
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode != 0
    assert "LOG_FORMAT must be one of plain, json" in result.stderr


def run_until(argv, env, ready: str, timeout: float = 90) -> subprocess.CompletedProcess:
    """Start a server, wait for `ready` in its output, SIGTERM it, return all it printed."""
    out_path = env["_OUT"]
    with open(out_path, "w") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.PIPE,
                                text=True, process_group=0)
        try:
            deadline = time.monotonic() + timeout
            while ready not in open(out_path).read():
                assert proc.poll() is None, open(out_path).read() + proc.stderr.read()
                assert time.monotonic() < deadline, f"no {ready!r}:\n{open(out_path).read()}"
                time.sleep(0.2)
            yield proc
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    yield subprocess.CompletedProcess(argv, proc.returncode, open(out_path).read(), stderr)


def test_gunicorn_logs_json_with_the_request_as_fields(dev_env, tmp_path):
    port = free_port()
    env = {**dev_env, "_OUT": str(tmp_path / "out.txt"), "WEB_CONCURRENCY": "1"}
    steps = run_until(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "tracker.wsgi", "--config",
         "docker/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--control-socket", str(tmp_path / "gunicorn.ctl")],
        env, ready="Booting worker",
    )
    next(steps)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz/live?probe=1", headers={"User-Agent": "probe/1"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http://127.0.0.1)
        assert response.status == 200
    time.sleep(0.5)
    result = next(steps)

    records = json_lines(result.stdout)
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    assert len(access) == 1, result.stdout
    assert {k: access[0][k] for k in ("method", "path", "query", "status", "user_agent")} == {
        "method": "GET", "path": "/healthz/live", "query": "probe=1", "status": 200,
        "user_agent": "probe/1",
    }
    assert access[0]["duration_ms"] >= 0
    assert any(r["logger"] == "gunicorn.error" and "Shutting down" in r["message"]
               for r in records)


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_celery_logs_json_run_as_compose_runs_it(dev_env, tmp_path, role):
    args = {
        "worker": ["worker", "--loglevel=INFO", "--concurrency=1"],
        "beat": ["beat", "--loglevel=INFO", "--schedule", str(tmp_path / "schedule")],
    }[role]
    env = {**dev_env, "_OUT": str(tmp_path / "out.txt"), "REMINDER_TICK_SECONDS": "1"}
    ready = "ready." if role == "worker" else "Sending due task"
    steps = run_until([CELERY, "-A", "tracker", "--quiet", *args], env, ready=ready)
    next(steps)
    result = next(steps)

    # Celery prints its shutdown notice itself, outside logging: the one plain line.
    lines = [line for line in result.stdout.splitlines() if "Warm shutdown" not in line]
    records = json_lines("\n".join(lines))
    assert any(r["logger"].startswith("celery") for r in records), result.stdout
    # No log line in Celery's own format either (stderr has only Python warnings, if any).
    assert "/MainProcess]" not in result.stderr, result.stderr
