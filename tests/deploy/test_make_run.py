"""`make run` as a newcomer runs it: the settings its processes get, and the process set itself.

bin/devserver.py (what `make run` runs) prints the environment it gives its children with
--print-env; the settings are read through `manage.py shell` with exactly that environment.
"""

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT, free_port

DEVSERVER = ROOT / "bin" / "devserver.py"


def run_env(tmp_path, *args, base=None) -> dict[str, str]:
    """The environment `make run` gives the web server, the worker and beat."""
    base = dict(os.environ if base is None else base)
    base.pop("EMAIL_URL", None)
    base.pop("SITE_URL", None)
    result = subprocess.run(
        [sys.executable, str(DEVSERVER), "--print-env", *args],
        env=base, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return env


def shell(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def read_settings(env, *names) -> dict:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: str(getattr(settings, n)) for n in {list(names)!r}}}))"
    )
    result = shell(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_writes_email_into_var_mail_of_the_checkout(tmp_path):
    env = run_env(tmp_path)

    got = read_settings(env, "EMAIL_BACKEND", "EMAIL_FILE_PATH")

    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert got["EMAIL_FILE_PATH"] == str(ROOT / "var" / "mail")


def test_an_email_sent_with_the_make_run_settings_lands_in_the_var_mail_folder(tmp_path):
    var = tmp_path / "var"
    env = run_env(tmp_path, "--var", str(var))

    result = shell(
        "from django.core.mail import send_mail; "
        "send_mail('hello', 'body', None, ['someone@example.com'])",
        env,
    )

    assert result.returncode == 0, result.stderr
    sent = list((var / "mail").glob("*.log"))
    assert len(sent) == 1, sorted(str(p) for p in tmp_path.rglob("*"))
    assert "Subject: hello" in sent[0].read_text()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("filemail:///srv/mail", "/srv/mail"),
        ("filemail://var/mail", str(ROOT / "var" / "mail")),
        ("filemail:////srv/mail", "/srv/mail"),
    ],
)
def test_a_filemail_url_reads_like_a_file_url(tmp_path, url, expected):
    env = {**run_env(tmp_path), "EMAIL_URL": url}

    assert read_settings(env, "EMAIL_FILE_PATH")["EMAIL_FILE_PATH"] == expected


def test_make_run_reads_no_dot_env(tmp_path):
    """A .env copied for compose (production host names) would make every page a 400."""
    env = run_env(tmp_path)
    code = (
        "import environ\n"
        "def refuse(*a, **k): raise SystemExit('read .env')\n"
        "environ.Env.read_env = refuse\n"
        "import tracker.settings\n"
    )

    assert env["READ_DOT_ENV"] == "false"
    assert subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT).returncode == 0
    outside = {k: v for k, v in env.items() if k != "READ_DOT_ENV"}
    assert subprocess.run(
        [sys.executable, "-c", code], env=outside, cwd=ROOT, capture_output=True
    ).returncode != 0


def test_site_url_follows_the_port_unless_set(tmp_path):
    assert run_env(tmp_path, "--port", "8123")["SITE_URL"] == "http://127.0.0.1:8123"
    base = {**os.environ, "SITE_URL": "https://example.test"}
    base_env = subprocess.run(
        [sys.executable, str(DEVSERVER), "--print-env", "--port", "8123"],
        env=base, cwd=ROOT, capture_output=True, text=True, timeout=60,
    ).stdout
    assert "SITE_URL=https://example.test\n" in base_env


# The whole process set, the way a person starts and stops it.

def session_pids(sid: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.add(int(stat.parent.name))
    return pids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class MakeRun:
    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.var = tmp_path / "var"
        env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            REMINDER_TICK_SECONDS="2",
        )
        for key in ("EMAIL_URL", "SITE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CELERY_BROKER_DIR"):
            env.pop(key, None)
        self.env = env
        # -o: the virtualenv is there; do not let a newer requirements file reinstall it here.
        self.proc = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "run",
             f"PORT={self.port}", f"RUN_DIR={self.var}"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, text=True,
        )
        self.lines: list[str] = []

    def wait_for(self, pattern: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no {pattern!r} in:\n{''.join(self.lines)}")

    def finish(self, timeout: float = 90) -> str:
        try:
            rest, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            rest, _ = self.proc.communicate()
            raise AssertionError("make run did not stop:\n" + "".join(self.lines) + rest) from None
        self.lines.append(rest)
        return "".join(self.lines)


@pytest.fixture
def make_run(tmp_path):
    run = MakeRun(tmp_path)
    yield run
    if run.proc.poll() is None:
        os.killpg(run.proc.pid, signal.SIGKILL)
        run.proc.wait()


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_make_run_serves_sends_and_stops_cleanly(make_run, tmp_path, how):
    url = f"http://127.0.0.1:{make_run.port}/"
    make_run.wait_for(r"Open " + re.escape(url))
    # The address is printed once the server answers.
    with urllib.request.urlopen(url + "healthz/live", timeout=10) as response:  # noqa: S310
        assert response.status == 200

    # A test reminder, sent by the running worker, lands in the run folder with links on PORT.
    queued = shell(
        "from django.utils import timezone\n"
        "from tests.factories import IncidentFactory\n"
        "from tracker.reminders.services import reminder_send_test\n"
        "reminder_send_test(incident=IncidentFactory(), now=timezone.now())\n",
        {**make_run.env, **run_env(tmp_path, "--port", str(make_run.port), "--var",
                                   str(make_run.var), base=make_run.env)},
    )
    assert queued.returncode == 0, queued.stderr
    deadline = time.monotonic() + 60
    while not list((make_run.var / "mail").glob("*.log")) and time.monotonic() < deadline:
        time.sleep(0.5)
    sent = list((make_run.var / "mail").glob("*.log"))
    assert sent, "no email in the run folder's mail/"
    assert url in sent[0].read_text()
    assert "http://127.0.0.1:8000/" not in sent[0].read_text() or make_run.port == 8000

    # The compose healthchecks of the worker and beat pass against this worker and beat.
    for role, *args in (["worker"], ["beat", str(make_run.var / "celerybeat-schedule")]):
        check = subprocess.run(
            [sys.executable, str(ROOT / "docker" / "healthcheck.py"), role, *args],
            env=run_env(tmp_path, "--var", str(make_run.var), base=make_run.env),
            capture_output=True, text=True, timeout=60,
        )
        assert check.returncode == 0, (role, check.stderr)

    pids = session_pids(make_run.proc.pid) - {make_run.proc.pid}
    assert len(pids) >= 4, pids  # devserver, the web server (2), worker (+ pool) and beat
    if how == "ctrl-c":
        os.killpg(make_run.proc.pid, signal.SIGINT)  # what the terminal sends the foreground
    else:
        os.kill(make_run.proc.pid, signal.SIGTERM)
    output = make_run.finish()

    assert make_run.proc.returncode in (0, -signal.SIGINT, -signal.SIGTERM), output
    assert "Segmentation fault" not in output
    assert output.count("Warm shutdown") == 1, output
    for name in ("web", "worker", "beat"):
        assert len(re.findall(rf"^{name} +\| stopped", output, re.MULTILINE)) == 1, output
    assert output.count("stopped (exit status 0)") == 3, output
    assert "killing" not in output
    time.sleep(0.5)
    assert not session_pids(make_run.proc.pid), "left running"
    assert not [pid for pid in pids if alive(pid)], "left running outside the session"


def load_devserver():
    spec = importlib.util.spec_from_file_location("devserver", DEVSERVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_port_in_use_is_reported_with_the_way_out(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(DEVSERVER), "--port", str(port), "--var", str(tmp_path / "v")],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )

    assert result.returncode == 2
    assert f"Port {port} is in use" in result.stdout
    assert f"make run PORT={port + 1}" in result.stdout


def test_a_connection_of_the_last_run_in_time_wait_does_not_block_the_port():
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as runserver's
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end waits in TIME_WAIT
        client.close()
    time.sleep(0.2)

    assert load_devserver().port_free(port)
