"""Settings for the tracker, read from the environment through django-environ.

With no environment at all it runs on SQLite, a filesystem Celery broker and console email, so
`make run` needs no server. A bad value raises ImproperlyConfigured at start.
"""

from datetime import timedelta
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from tracker import logs

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# `make run` sets READ_DOT_ENV=false: a .env in the checkout is docker compose's (production hosts).
if env.bool("READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# HTTPS hardening: on by default when DEBUG is off, each switch overridable for a local run of the
# image over plain HTTP; always off with DEBUG (development is plain HTTP, even if a production
# .env lies around). Behind a proxy that terminates TLS set SECURE_PROXY_SSL_HEADER, e.g.
# "HTTP_X_FORWARDED_PROTO,https", and make sure the proxy overwrites that header.
SECURE_SSL_REDIRECT = not DEBUG and env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers and container healthchecks probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)"]
SESSION_COOKIE_SECURE = not DEBUG and env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = not DEBUG and env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG and env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = not DEBUG and env.bool("SECURE_HSTS_PRELOAD", default=False)
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
if _proxy_ssl_header and len(_proxy_ssl_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https."
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) or None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # Accounts (issue 12): sign-up, login by email, verification, reset, email change.
    "allauth",
    "allauth.account",
    "csp",
    "tracker.accounts",
    "tracker.incidents",
    "tracker.reminders",
    "tracker.web",
    "tracker.privacy",  # issue 16: export, delete, retention, coach
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Issue 12 (accounts/trust): private pages uncached; non-UTF-8 bodies and out-of-range
    # admin date filters are a 400 before anything reads them (tracker/middleware.py).
    "tracker.middleware.PrivateCacheMiddleware",
    "tracker.middleware.Utf8BodyMiddleware",
    "tracker.middleware.AdminDateFilterMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # The rest only verify (and upgrade) hashes made before Argon2 was first.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Login throttling (django-axes): its backend refuses a locked-out login before the password is
# checked. It needs the request: call authenticate(request, ...), or force_login in tests.
# Then django-allauth's backend (login by email) and Django's (the admin's login by username).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Short, and the lockout page offers a password reset, which clears the lockout (issue 12).
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
# Each item locks on its own; "username+ip_address" locks that pair only, so one person cannot
# lock another out from elsewhere. The address is the real client's (TRUSTED_PROXIES below).
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env.list("AXES_LOCKOUT_PARAMETERS", default=["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
# The login is an email on the site's form, a username on the admin's: one name for both.
AXES_USERNAME_CALLABLE = "tracker.accounts.throttling.login_name"
AXES_CLIENT_IP_CALLABLE = "tracker.client_ip.client_ip"
# The addresses (or networks) of the proxies in front of the app, e.g. the compose TLS proxy:
# only a request from one of them has its X-Forwarded-For read. Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# django-allauth: log in by email, a verified address before the first login, one account per
# address (case-insensitive), no answer that tells whether an address has an account. Its rate
# limits stay on, but for failed logins, which django-axes counts (one counter, not two).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a link scanner's GET must not confirm
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_LOGOUT_REDIRECT_URL = "login"
ACCOUNT_SESSION_REMEMBER = True  # as before: the session lasts its two weeks
ACCOUNT_ADAPTER = "tracker.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "tracker.accounts.forms.SignUpForm",
    "login": "tracker.accounts.forms.LoginForm",
    "reset_password": "tracker.accounts.forms.ResetPasswordForm",
}
ACCOUNT_RATE_LIMITS = {"login_failed": False}

# The cache: rate limits (allauth's and ours). Redis in production (CACHE_URL, or REDIS_URL's
# server), this process's memory by default.
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif env.str("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": env.str("REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Limits on every email a person can make us send, and on incidents created, per day (issue
# 12): (per account, per recipient address). Over a limit the person is told, and it is logged.
SEND_LIMITS = {
    "test_reminder": (env.int("LIMIT_TEST_REMINDERS_PER_DAY", default=5),) * 2,
    "partner_invitation": (env.int("LIMIT_PARTNER_INVITATIONS_PER_DAY", default=3),) * 2,
    "verification": (env.int("LIMIT_VERIFICATION_EMAILS_PER_DAY", default=5),) * 2,
    "password_reset": (env.int("LIMIT_PASSWORD_RESETS_PER_DAY", default=5),) * 2,
    "incident": (env.int("LIMIT_INCIDENTS_PER_DAY", default=20), 0),
}
SEND_LIMITS["coach_invitation"] = (env.int("LIMIT_COACH_INVITATIONS_PER_DAY", default=3),) * 2

# Issue 16 (tracker/privacy): contact details of incidents closed longer than
# PRIVACY_RETENTION_MONTHS are erased by a periodic task (every PRIVACY_SWEEP_SECONDS); an
# export link works PRIVACY_EXPORT_HOURS; an account with more rows than
# PRIVACY_EXPORT_INLINE_ROWS gets its export built by the worker; a coach's invitation link
# works PRIVACY_COACH_LINK_DAYS.
PRIVACY_RETENTION_MONTHS = env.int("PRIVACY_RETENTION_MONTHS", default=12)
PRIVACY_SWEEP_SECONDS = env.float("PRIVACY_SWEEP_SECONDS", default=3600.0)
PRIVACY_EXPORT_HOURS = env.int("PRIVACY_EXPORT_HOURS", default=24)
PRIVACY_EXPORT_INLINE_ROWS = env.int("PRIVACY_EXPORT_INLINE_ROWS", default=2000)
PRIVACY_COACH_LINK_DAYS = env.int("PRIVACY_COACH_LINK_DAYS", default=7)
if min(PRIVACY_RETENTION_MONTHS, PRIVACY_SWEEP_SECONDS, PRIVACY_EXPORT_HOURS,
       PRIVACY_COACH_LINK_DAYS) <= 0:
    raise ImproperlyConfigured("PRIVACY_RETENTION_MONTHS, _SWEEP_SECONDS, _EXPORT_HOURS and "
                               "_COACH_LINK_DAYS must be positive.")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [("bootstrap", xstatic.pkg.bootstrap.BASE_DIR), BASE_DIR / "tracker" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# Content-Security-Policy (django-csp 4): no inline script or style anywhere; pages load their
# CSS and JS from static files. Bootstrap's CSS draws some icons from data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: EMAIL_URL such as smtp://user:pass@host:587 or consolemail://; default prints to stdout.
# filemail:///abs/path is a folder like a file:// URL (django-environ drops the leading slash);
# filemail://var/mail is relative to the checkout.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if env.str("EMAIL_URL", default="").startswith("filemail://"):
    _mail_dir = env.str("EMAIL_URL").removeprefix("filemail://").split("?", 1)[0]
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = str(
        Path("/" + _mail_dir.lstrip("/")) if _mail_dir.startswith("/") else BASE_DIR / _mail_dir
    )
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Interview Tracker <reminders@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where a reply to a reminder goes (Reply-To of every reminder email); the sender if empty.
REMINDER_REPLY_TO = env.str("REMINDER_REPLY_TO", default="")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Celery. The default broker is kombu's filesystem transport: no server needed for `make run`.
BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # The in and out folders must be the same folder for the filesystem transport.
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Exchange tables (broadcast, pidbox); kombu's default is ./control in the cwd.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
    # Take a message only when a pool process is free. A tick is acknowledged as it starts, so a
    # busy worker then holds no unacknowledged message when Redis dies; restoring one on the
    # dead connection is what crashed workers (kombu: "Unrecoverable error: AttributeError
    # ... 'hostname'", reproduced by tests/faults/test_mid_dispatch_faults.py). Redis only.
    CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that goes away is waited for, however long: never give up and exit.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Celery 6's default, set now: on a lost connection, late-acknowledged tasks that can no longer be
# acknowledged are cancelled and come back, instead of running on to a doubled delivery.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Worker and beat log through LOGGING below (stdout) instead of their own stderr handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# How often the dispatcher looks for due reminders, in seconds.
REMINDER_TICK_SECONDS = env.float("REMINDER_TICK_SECONDS", default=10.0)
if REMINDER_TICK_SECONDS <= 0:
    raise ImproperlyConfigured("REMINDER_TICK_SECONDS must be positive.")
# The dispatcher (tracker/reminders/dispatch.py): rows per claim, how long a claim is held before
# another worker may take it over, how long one tick keeps claiming, and SMTP 4xx backoff.
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=50)
REMINDER_LEASE_SECONDS = env.float("REMINDER_LEASE_SECONDS", default=120.0)
REMINDER_DISPATCH_BUDGET_SECONDS = env.float("REMINDER_DISPATCH_BUDGET_SECONDS", default=60.0)
REMINDER_RETRY_BASE_SECONDS = env.float("REMINDER_RETRY_BASE_SECONDS", default=30.0)
REMINDER_RETRY_CAP_SECONDS = env.float("REMINDER_RETRY_CAP_SECONDS", default=600.0)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=8)
if min(REMINDER_BATCH_SIZE, REMINDER_LEASE_SECONDS, REMINDER_RETRY_BASE_SECONDS) <= 0:
    raise ImproperlyConfigured("REMINDER_BATCH_SIZE, _LEASE_SECONDS, _RETRY_BASE_SECONDS > 0.")
if REMINDER_DISPATCH_BUDGET_SECONDS >= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("REMINDER_DISPATCH_BUDGET_SECONDS must be under the soft limit.")
# A claim's lease must outlast the slowest allowed SMTP reply (EMAIL_TIMEOUT) plus this margin;
# a system check refuses a shorter one (tracker/reminders/checks.py).
REMINDER_LEASE_MARGIN_SECONDS = env.float("REMINDER_LEASE_MARGIN_SECONDS", default=5.0)
# How long a move, call-off or close waits for a reminder of the same incident being sent
# (the dispatcher holds the incident from its last check through the send), and the reverse.
INCIDENT_LOCK_TIMEOUT_SECONDS = env.float(
    "INCIDENT_LOCK_TIMEOUT_SECONDS", default=EMAIL_TIMEOUT + 10.0
)

# Logs go to stdout: LOG_FORMAT=plain, a line of text, or json, one JSON object a line with every
# `extra` field (tracker/logs.py). The Celery worker and beat log through this too.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in logs.FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(logs.FORMATS)}.")
LOGGING = logs.logging_config(LOG_FORMAT, env.str("LOG_LEVEL", default="INFO"))
