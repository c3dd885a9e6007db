"""`make run`: migrate, then supervise the web server, a Celery worker and Celery beat.

- Development settings from the shell only: DEBUG on, SQLite, kombu's filesystem broker and email
  written to files under var/ (each overridable by exporting it). A .env in the checkout is not
  read: it is docker compose's, with production host names.
- Each child runs in its own process group; its output is prefixed with its name.
- "Open http://127.0.0.1:PORT/" is printed once the web server answers.
- Ctrl-C or SIGTERM sends each child one SIGTERM and waits for it; what is left of a child's
  process group after the grace period is killed. A second Ctrl-C kills at once.
- A child that exits on its own is restarted after a pause that doubles (1 s, up to 30 s); after
  five quick exits in a row the whole set stops.

`--print-env` prints the environment the children get, one KEY=VALUE a line (tests read it).
"""

import argparse
import ctypes
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = str(ROOT / "manage.py")
CELERY = str(Path(sys.executable).with_name("celery"))
GRACE_SECONDS = 30.0
QUICK_EXIT_SECONDS = 30.0
MAX_QUICK_EXITS = 5


def child_env(port: int, var: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DEBUG="true", READ_DOT_ENV="false", PORT=str(port), PYTHONUNBUFFERED="1")
    env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
    env.setdefault("EMAIL_URL", f"filemail://{var / 'mail'}")  # three slashes: absolute
    env.setdefault("CELERY_BROKER_DIR", str(var / "broker"))
    env.setdefault("WHITENOISE_USE_FINDERS", "true")
    return env


def commands(port: int, var: Path) -> dict[str, list[str]]:
    return {
        "web": [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}"],
        "worker": [CELERY, "-A", "tracker", "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [CELERY, "-A", "tracker", "beat", "--loglevel=INFO",
                 "--schedule", str(var / "celerybeat-schedule")],
    }


def say(text: str) -> None:
    print(text, flush=True)


def _die_with_parent() -> None:  # pragma: no cover (runs in the child)
    """Linux: the child gets SIGTERM if this supervisor dies without stopping it (SIGKILL)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], width: int):
        self.name, self.argv, self.env = name, argv, env
        self.prefix = f"{name:<{width}} | ".encode()
        self.proc: subprocess.Popen | None = None
        self.partial = b""
        self.started = 0.0
        self.quick_exits = 0
        self.restart_at: float | None = None

    def start(self, sel: selectors.BaseSelector) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 (fixed argv)
            self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            process_group=0, preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        self.started, self.restart_at = time.monotonic(), None
        sel.register(self.proc.stdout, selectors.EVENT_READ, self)

    def pump(self, sel: selectors.BaseSelector) -> None:
        """Copy what the child wrote to stdout, a whole line at a time, with the prefix."""
        data = os.read(self.proc.stdout.fileno(), 65536)
        if not data:
            sel.unregister(self.proc.stdout)
            self.proc.stdout.close()
            data = b"\n" if self.partial else b""
        *lines, self.partial = (self.partial + data).split(b"\n")
        if lines:
            sys.stdout.buffer.write(b"".join(self.prefix + line + b"\n" for line in lines))
            sys.stdout.buffer.flush()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def draining(self) -> bool:
        return self.proc is not None and not self.proc.stdout.closed

    def signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


class Supervisor:
    def __init__(self, port: int, var: Path):
        self.port = port
        env = child_env(port, var)
        cmds = commands(port, var)
        width = max(map(len, cmds))
        self.children = [Child(name, argv, env, width) for name, argv in cmds.items()]
        self.sel = selectors.DefaultSelector()
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.sel.register(self.wake_r, selectors.EVENT_READ, None)
        self.signals: list[int] = []

    def _on_signal(self, signum, frame):
        self.signals.append(signum)

    def _wait(self, timeout: float) -> None:
        for key, _ in self.sel.select(timeout):
            if key.data is None:
                try:
                    self.wake_r.recv(4096)
                except BlockingIOError:
                    pass
            else:
                key.data.pump(self.sel)

    def run(self) -> int:
        signal.set_wakeup_fd(self.wake_w.fileno(), warn_on_full_buffer=False)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        for child in self.children:
            child.start(self.sel)
        url = f"http://127.0.0.1:{self.port}/"
        ready, next_probe, gave_up = False, time.monotonic(), None
        while not self.signals and gave_up is None:
            self._wait(0.25)
            now = time.monotonic()
            if not ready and now >= next_probe:
                ready = self._answers(url + "healthz/live")
                next_probe = now + 0.5
                if ready:
                    say(f"\n  Open {url} and sign up. {self._mail_note()}\n"
                        "  Ctrl-C stops the web server, the worker and beat.\n")
            for child in self.children:
                gave_up = gave_up or self._watch(child, now)
        return self.stop(gave_up)

    def _answers(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (http://127.0.0.1)
                return response.status == 200
        except urllib.error.HTTPError as exc:
            say(f"  The web server answered {url} with HTTP {exc.code}; see its log above.")
            return True
        except (urllib.error.URLError, OSError):
            return False

    def _mail_note(self) -> str:
        email_url = self.children[0].env["EMAIL_URL"]
        if email_url.startswith("filemail://"):
            folder = Path(email_url.removeprefix("filemail://"))
            shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
            return f"Email is written to {shown}/."
        return f"Email goes to EMAIL_URL ({email_url.split('://', 1)[0]})."

    def _watch(self, child: Child, now: float) -> str | None:
        """Restart a child that exited on its own; a reason to stop everything, or None."""
        if child.restart_at is not None:
            if now >= child.restart_at:
                say(f"Restarting {child.name}.")
                child.start(self.sel)
            return None
        code = child.proc.poll()
        if code is None:
            return None
        child.signal_group(signal.SIGKILL)  # leftovers would hold the pipe open
        while child.draining:
            child.pump(self.sel)
        quick = now - child.started < QUICK_EXIT_SECONDS
        child.quick_exits = child.quick_exits + 1 if quick else 0
        if child.quick_exits >= MAX_QUICK_EXITS:
            return f"{child.name} exited {child.quick_exits} times in a row (status {code})"
        delay = min(30, 2 ** max(child.quick_exits - 1, 0))
        say(f"{child.name} exited with status {code}; restarting it in {delay} s.")
        child.restart_at = now + delay
        return None

    def stop(self, reason: str | None) -> int:
        if reason:
            say(f"Giving up: {reason}. Stopping the others.")
        pending = [c for c in self.children if c.running]
        say(f"Stopping {', '.join(c.name for c in pending)} ...")
        del self.signals[:]
        for child in pending:
            child.proc.send_signal(signal.SIGTERM)
        deadline, killed = time.monotonic() + GRACE_SECONDS, False
        while pending:
            if not killed and (self.signals or time.monotonic() > deadline):
                why = "Second signal" if self.signals else f"Still running after {GRACE_SECONDS} s"
                say(f"{why}: killing {', '.join(c.name for c in pending)}.")
                for child in pending:
                    child.signal_group(signal.SIGKILL)
                killed = True
            self._wait(0.1)
            for child in [c for c in pending if c.proc.poll() is not None]:
                # What the child left behind (a pool process, the reloader's server) goes too.
                child.signal_group(signal.SIGKILL)
                while child.draining:
                    child.pump(self.sel)
                sys.stdout.buffer.write(child.prefix)
                say(f"stopped (exit status {child.proc.returncode})")
                pending.remove(child)
        return 1 if reason else 0


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the server binds: a connection of the last run in TIME_WAIT does not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument("--var", type=Path, default=ROOT / "var",
                        help="folder for the broker, the email and beat's schedule")
    parser.add_argument("--print-env", action="store_true")
    args = parser.parse_args(argv)
    var = args.var.resolve()
    env = child_env(args.port, var)
    if args.print_env:
        for key in sorted(env):
            print(f"{key}={env[key]}")
        return 0
    for folder in ("broker/queue", "broker/processed", "broker/control", "mail"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    if not port_free(args.port):
        say(f"Port {args.port} is in use (another `make run`?). "
            f"Stop it, or pick another port: make run PORT={args.port + 1}")
        return 2
    if (ROOT / ".env").exists():
        say("Note: .env is not read by `make run` (it is for docker compose); "
            "export a variable in the shell to change a setting.")
    migrate = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, MANAGE, "migrate", "--noinput"], cwd=ROOT, env=env, check=False
    )
    if migrate.returncode:
        return migrate.returncode
    return Supervisor(args.port, var).run()


if __name__ == "__main__":
    sys.exit(main())
