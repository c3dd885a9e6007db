"""gunicorn for the web service: its own logs (errors, and one access line per request) go to
stdout in LOG_FORMAT, like Django's and Celery's; with json, the request's method, path, status,
duration and client address are fields of the line (tracker/logs.py)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.logs import FORMATS, logging_config  # noqa: E402

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
accesslog = "-"
# The image's home (/app) is read-only; var/ is the app user's.
control_socket = str(Path(__file__).resolve().parent.parent / "var" / "gunicorn.ctl")
_format = os.environ.get("LOG_FORMAT") or "plain"
if _format not in FORMATS:
    raise SystemExit(f"LOG_FORMAT must be one of {', '.join(FORMATS)}.")
logconfig_dict = logging_config(_format, os.environ.get("LOG_LEVEL") or "INFO")
# Their own handler, no propagation: Django's LOGGING later configures the root logger again.
logconfig_dict["loggers"] = {
    name: {"handlers": ["console"], "level": "INFO", "propagate": False}
    for name in ("gunicorn.error", "gunicorn.access")
}
