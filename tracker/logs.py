"""Log formats: LOG_FORMAT=plain (a line of text) or json (one JSON object a line).

The JSON lines come from python-json-logger: time, level, logger and message, then every `extra`
field a call passed (the dispatcher's reminder_id, kind, message_id; Celery's task data) and the
traceback as "exc_info". gunicorn's access lines get their request as fields. Used by
settings.LOGGING (Django, the Celery worker and beat) and docker/gunicorn.conf.py.
"""

from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

PLAIN = "%(asctime)s %(levelname)s %(name)s %(message)s"
FORMATS = ("plain", "json")

# gunicorn's access-log atoms (gunicorn.glogging.Logger.atoms) worth a field each.
ACCESS_FIELDS = {"h": "remote_addr", "m": "method", "U": "path", "q": "query", "s": "status",
                 "B": "bytes", "a": "user_agent"}


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args or ("%(levelname)s %(name)s %(message)s",), **kwargs)

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        request = log_data.get("request")
        if request is not None and not isinstance(request, str | int | float):
            # Django passes the request object (django.request) or a socket (django.server).
            method, path = getattr(request, "method", None), getattr(request, "path", None)
            if method and path:
                log_data["request"] = f"{method} {path}"
            else:
                del log_data["request"]
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, field in ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value not in (None, "-", ""):
                    log_data[field] = int(value) if field == "status" else value
            log_data["duration_ms"] = round(record.args.get("D", 0) / 1000, 1)


def logging_config(fmt: str, level: str) -> dict:
    """The dictConfig for everything that logs to stdout: the root logger, in `fmt`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": PLAIN},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": fmt,
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
