"""The one settings module. Every knob comes from the environment (INTERFACES §2)."""

import ipaddress
import secrets
import sys
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set the SECRET_KEY environment "
            "variable (e.g. SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')) "
            "or set DEBUG=true for local development."
        )
    # A fresh key per start is fine for local development: sessions simply expire on restart.
    SECRET_KEY = secrets.token_urlsafe(50)
# Django's own advice (check --deploy, security.W009): a short key can be brute-forced from one
# signed cookie, and then every session and password-reset link can be forged.
SECRET_KEY_MIN_LENGTH = 50
if not DEBUG and len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY is too short ({len(SECRET_KEY)} characters): use at least "
        f"{SECRET_KEY_MIN_LENGTH} random characters when DEBUG is off, e.g. "
        "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])


def _trusted_proxies(raw: list[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in raw:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {item!r} is not an IP address or network; give comma-separated "
                "addresses or CIDRs, e.g. TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8"
            ) from None
    return tuple(networks)


# The reverse proxies in front of the app. Only a request whose connecting hop is one of them may
# name the client (X-Forwarded-For) and the scheme (X-Forwarded-Proto); anyone else could forge both.
TRUSTED_PROXIES = _trusted_proxies(
    [item for item in env.list("TRUSTED_PROXIES", default=[]) if item]
)
HTTPS = env.bool("HTTPS", default=not DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_filters",
    "import_export",
    # Serves Swagger UI's JS/CSS from our own static files (CSP: script-src 'self').
    "ninja",
    # Who changed what and when: purchases, rates, plans, invoices (AUDITLOG_INCLUDE_TRACKING_MODELS).
    "auditlog",
    "clients",
    "timetracking",
    "sync",
    "fieldwork",
    "billing",
    "portal",
    "insights",
]

MIDDLEWARE = [
    # First: every later layer (is_secure(), the SSL redirect, axes) sees only proxy headers that a
    # trusted proxy wrote.
    "config.middleware.TrustedProxyMiddleware",
    # Outside everything that can refuse a request (bad Host, oversized body, unknown path or
    # method), so the API answers each of those as {"detail": …} like every other API error.
    "config.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Stamps each audit row with the request's user (config/audit.py).
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must come last so it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "clients.context_processors.role",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections: one connection per worker thread instead of one per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # The covering indexes' INCLUDE columns are for PostgreSQL's index-only scans; SQLite (the
    # demo) keeps the keys and drops them, as intended.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiling pays off for long analytic queries, not for page queries of 10-500 ms:
    # on the 500k-entry benchmark it added ~0.9 s to the insights' grouped sums (issue 18).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's profile (role) with the user.
    "clients.backends.ProfileModelBackend",
]
# What the session's user is read with, in its one query (clients.backends): every page asks
# the role (profile); every staff page's header asks whether the user is a member and draws
# their running timer (timetracking.selectors.member_for_user, the header_state tag).
SESSION_USER_RELATED = ("profile", "member__timer__task")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# --- Celery -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker the app still works: tasks run in-process, right away.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acked after it ran and re-queued when its worker dies mid-way (kill -9, OOM): every
# task is idempotent (core/tasks.py has the shared base with retries, backoff and jitter).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_IMPORTS = ["core.tasks"]
# Redis hands an unacked task to another worker after this long. It must exceed the longest
# countdown (the retry backoff cap, core.tasks.RETRY_BACKOFF_MAX_SECONDS = 600 s) and the longest
# run (a full sync), or a waiting or running task would run twice at once.
CELERY_VISIBILITY_TIMEOUT_SECONDS = env.int(
    "CELERY_VISIBILITY_TIMEOUT_SECONDS", default=2 * 60 * 60
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT_SECONDS,
    # kombu looks for tasks to hand back at worker start, then only every 10th sweep of 10 s
    # (100 s): with a short timeout a task whose worker died came back minutes late, or, when
    # the new worker started within the timeout, only at that 100 s sweep. Every sweep scans.
    "unacked_restore_throttle": 1,
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT_SECONDS // 3)),
}
# One queue per kind of work, so a slow PDF batch or a stuck mail server never delays a sync
# (deploy/README.md has the worker command lines; the PDF worker runs with prefetch 1 and one
# process each). First matching pattern wins.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "sync.*": {"queue": "sync"},
    "billing.*pdf*": {"queue": "pdf"},
    "*.send_*": {"queue": "email"},
    "*email*": {"queue": "email"},
}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Audit trail (config/audit.py) --------------------------------------------
# Entries keep their own history (timetracking.EntryChange); these are the other money-moving rows.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "clients.HourPurchase",
    "clients.BillingPlan",
    "timetracking.RateCard",
    "timetracking.CostRate",
    "billing.Invoice",
)
# The client address is not evidence we need, and X-Forwarded-For would be believed blindly.
AUDITLOG_DISABLE_REMOTE_ADDR = True

# --- Email ------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hourbank@localhost")

# --- Firm and integrations --------------------------------------------------
HOURS_PER_DAY = Decimal(env.str("HOURS_PER_DAY", default="8"))
DAYS_PER_WEEK = Decimal(env.str("DAYS_PER_WEEK", default="5"))
JIRA_BASE_URL = env.str("JIRA_BASE_URL", default="")
JIRA_EMAIL = env.str("JIRA_EMAIL", default="")
JIRA_API_TOKEN = env.str("JIRA_API_TOKEN", default="")
JIRA_WEBHOOK_SECRET = env.str("JIRA_WEBHOOK_SECRET", default="")
TEMPO_BASE_URL = env.str("TEMPO_BASE_URL", default="https://api.tempo.io")
TEMPO_API_TOKEN = env.str("TEMPO_API_TOKEN", default="")
JIRA_SYNC_INTERVAL_SECONDS = env.int("JIRA_SYNC_INTERVAL_SECONDS", default=300)
WORKLOG_SOURCE = env.str("WORKLOG_SOURCE", default="tempo" if TEMPO_API_TOKEN else "jira")
if WORKLOG_SOURCE not in ("jira", "tempo"):
    raise ImproperlyConfigured(
        f"WORKLOG_SOURCE must be 'jira' or 'tempo' (got {WORKLOG_SOURCE!r}), e.g. WORKLOG_SOURCE=jira"
    )
TEMPO_RECONCILE_DAYS = env.int("TEMPO_RECONCILE_DAYS", default=31)

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# /healthz is probed by load balancers over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=60 * 60 * 24 * 365) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = HTTPS and env.bool("HSTS_PRELOAD", default=True)
# No script reads the CSRF cookie: htmx gets the token from the page (base.html hx-headers) and
# the API docs from their template, so the cookie can be out of JavaScript's reach too.
CSRF_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Failed logins within a 15-minute window: 5 for one username from any address (guessing one
# password), 20 from one client address over any usernames (spraying one password over many
# accounts). The address is the real client's (config.middleware.client_ip), so neither a forged
# X-Forwarded-For nor a shared proxy lets one client lock out another by address.
AXES_HANDLER = "config.lockout.LoginLockoutHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
if AXES_IP_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        f"AXES_IP_FAILURE_LIMIT ({AXES_IP_FAILURE_LIMIT}) must be at least AXES_FAILURE_LIMIT "
        f"({AXES_FAILURE_LIMIT}): one address may try every username's allowance, e.g. "
        "AXES_IP_FAILURE_LIMIT=20"
    )
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip"
# A successful login forgives that user's own failures only (LoginLockoutHandler).
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

TESTING = "pytest" in sys.modules

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own logger would print once itself and once more through root.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# Celery beat: the Jira sync polls as the safety net behind its webhook (PRODUCT §3.1); the
# Tempo sync also reconciles deletions. Each task does nothing unless WORKLOG_SOURCE names it.
CELERY_BEAT_SCHEDULE = {
    "sync-jira": {"task": "sync.tasks.sync_jira", "schedule": JIRA_SYNC_INTERVAL_SECONDS},
    "sync-tempo": {"task": "sync.tasks.sync_tempo", "schedule": JIRA_SYNC_INTERVAL_SECONDS},
    # The daily hour-block expiry (PRODUCT §5.4), hourly so each client's day starts on time.
    "expire-hour-blocks": {"task": "timetracking.tasks.expire_hour_blocks_task", "schedule": 3600},
    # Work whose task could not be enqueued (broker down at commit time): core.tasks sweeps.
    "sweep-pending-work": {"task": "core.tasks.sweep_pending_work", "schedule": 5 * 60},
}
