"""docker/healthcheck.py: the compose healthchecks of web, worker and beat.

The worker's and beat's against live processes run in test_make_run.py; here what does not need
one: beat's schedule file too old or missing, a worker that does not answer, a wrong role.
"""

import os
import subprocess
import sys
import time

from tests.deploy.conftest import ROOT

HEALTHCHECK = ROOT / "docker" / "healthcheck.py"


def check(*args, env=None, timeout=60):
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK), *map(str, args)],
        env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout,
    )


def test_beat_is_healthy_while_its_schedule_file_is_fresh(tmp_path):
    # dbm.dumb (no gdbm) keeps the schedule as .dat/.dir/.bak beside the name.
    for suffix in (".dat", ".dir"):
        (tmp_path / f"celerybeat-schedule{suffix}").write_bytes(b"x")

    assert check("beat", tmp_path / "celerybeat-schedule").returncode == 0


def test_beat_is_unhealthy_when_the_schedule_was_not_saved_for_six_minutes(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    schedule.write_bytes(b"x")
    old = time.time() - 7 * 60
    os.utime(schedule, (old, old))

    result = check("beat", schedule)

    assert result.returncode == 1
    assert "last saved" in result.stderr
    # A long tick stretches the limit to three ticks.
    assert check("beat", schedule, env={"REMINDER_TICK_SECONDS": "300"}).returncode == 0


def test_beat_is_unhealthy_without_a_schedule_file(tmp_path):
    result = check("beat", tmp_path / "celerybeat-schedule")

    assert result.returncode == 1
    assert "no " in result.stderr


def test_a_worker_that_does_not_answer_is_unhealthy(tmp_path):
    for folder in ("queue", "processed", "control"):
        (tmp_path / folder).mkdir()
    env = {"DEBUG": "true", "READ_DOT_ENV": "false", "CELERY_BROKER_DIR": str(tmp_path),
           "CELERY_NODE": "celery@nobody-here", "CELERY_BROKER_URL": ""}

    result = check("worker", env=env)

    assert result.returncode == 1
    assert "no pong from celery@nobody-here" in result.stderr


def test_an_unknown_role_is_refused():
    result = check("proxy")

    assert result.returncode != 0
    assert "usage" in result.stderr
