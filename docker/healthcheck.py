"""Container healthchecks: `python docker/healthcheck.py web|worker|beat [SCHEDULE]`; exit 0
when healthy.

- web (the default): GET /healthz over plain HTTP inside the container (the database and the
  broker answer), with the first concrete name from ALLOWED_HOSTS as the Host header, since
  Django refuses any other; /healthz is exempt from the HTTPS redirect.
- worker: a Celery ping to this container's own worker node (celery@HOSTNAME), not any worker.
- beat: the schedule file beat keeps is fresh. Beat saves it every 3 minutes while it ticks, so
  older than 6 minutes (or 3 ticks, if a tick is longer) means beat is stuck or gone.
"""

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

APP = Path(__file__).resolve().parent.parent
SCHEDULE = APP / "var" / "celerybeat-schedule"


def web() -> bool:
    hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
    host = next((h for h in hosts if h and "*" not in h), "localhost")
    request = urllib.request.Request("http://127.0.0.1:8000/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (fixed URL)
            return response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return False


def worker() -> bool:
    sys.path.insert(0, str(APP))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    from tracker.celery import app

    node = os.environ.get("CELERY_NODE") or f"celery@{socket.gethostname()}"
    replies = app.control.ping(destination=[node], timeout=5)
    if not any(node in reply for reply in replies):
        print(f"healthcheck: no pong from {node}", file=sys.stderr)
        return False
    return True


def beat(schedule: Path = SCHEDULE) -> bool:
    # The file's name depends on the dbm module: the name itself, or with .db / .dat beside it.
    files = [p for p in schedule.parent.glob(schedule.name + "*") if p.is_file()]
    if not files:
        print(f"healthcheck: no {schedule}", file=sys.stderr)
        return False
    tick = float(os.environ.get("REMINDER_TICK_SECONDS") or 10)
    age = time.time() - max(p.stat().st_mtime for p in files)
    limit = max(360.0, 3 * tick)
    if age > limit:
        print(f"healthcheck: {schedule} last saved {age:.0f} s ago (> {limit:.0f} s)",
              file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else "web"
    checks = {"web": web, "worker": worker, "beat": beat}
    if role not in checks:
        sys.exit(f"usage: healthcheck.py [{'|'.join(checks)}] [beat's schedule file]")
    args = [Path(sys.argv[2])] if role == "beat" and len(sys.argv) > 2 else []
    sys.exit(0 if checks[role](*args) else 1)
