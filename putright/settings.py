"""Putright settings, read from the environment (see README, "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from putright.audit.keys import key_file_read
from putright.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("PUTRIGHT_VAR_DIR", str(BASE_DIR / "var")))

_PRODUCTION = envbool("PUTRIGHT_PRODUCTION", False)
DEBUG = envbool("DEBUG", False)
_DEV_SECRET = "putright-development-only-secret-key-change-me-0123456789abcdef"
SECRET_KEY = envstr("SECRET_KEY", "" if _PRODUCTION else _DEV_SECRET)
# The same start-up refusals whatever the process (web, worker, manage.py): a live site with the
# debug pages on, or with a guessable key signing sessions and customers' case links, must not start.
if _PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured(
            "DEBUG must be off when PUTRIGHT_PRODUCTION is true: debug pages show settings and code to anyone"
        )
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production")
    if SECRET_KEY == _DEV_SECRET:
        raise ImproperlyConfigured(
            "SECRET_KEY is the published development key; set a new random one for production"
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak for production: use a random value of at least 50 characters "
            "(for example from `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)"
        )
elif not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is set but empty")
# In production the site's own names must be given: no default, so the test client's "testserver" or a
# local name never answers for a live site.
ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS", [] if _PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if _PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set in production: the comma-separated host names this site answers to, "
        "e.g. ALLOWED_HOSTS=care.example.com"
    )
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# The audit key (putright/audit/keys.py). With AUDIT_KEY_FILE set, case timelines are hashed with
# HMAC-SHA256 under this key (each existing chain from its `audit.rekeyed` event on, a new case's from its
# first event), so someone who can write to the database but cannot read the file cannot rewrite an event
# and recompute the chain. AUDIT_OLD_KEY_FILES (comma-separated) are retired keys, kept so the events they
# keyed still verify. A file that is unreadable, under 32 bytes, SECRET_KEY itself or inside
# PUTRIGHT_VAR_DIR (the database and its backups) stops start-up. Only the key's fingerprint is stored.
AUDIT_KEY = (
    key_file_read("AUDIT_KEY_FILE", envstr("AUDIT_KEY_FILE"), secret_key=SECRET_KEY, var_dir=VAR_DIR)
    if envstr("AUDIT_KEY_FILE")
    else None
)
AUDIT_OLD_KEYS = tuple(
    key_file_read("AUDIT_OLD_KEY_FILES", path, secret_key=SECRET_KEY, var_dir=VAR_DIR)
    for path in envlist("AUDIT_OLD_KEY_FILES")
)
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "putright.authority.apps.PutrightAdminConfig",  # django.contrib.admin, login throttled
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",  # its system checks refuse a policy written in the old (3.x) settings format
    "ninja",  # serves Swagger UI for /api/docs from static files (works offline)
    "django_tasks",
    "django_tasks_db",
    "putright.audit",
    "putright.customers",
    "putright.jobs",
    "putright.authority",
    "putright.cases",
    "putright.channels",
    "putright.resolution",
    "putright.regulation",
    "putright.problems",
    "putright.feedback",
    "putright.search",
    "putright.monitoring",
    "putright.insights",
    "putright.procedures",
    "putright.quality",
    "putright.improvements",
    "putright.notes",
    "putright.replies",
    "putright.demo",
    "putright.backup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but for SecurityMiddleware, so every response below carries them (a 403, a 415, a redirect).
    "csp.middleware.CSPMiddleware",
    "putright.web.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The API refuses a body not declared as JSON (415) before anything reads it.
    "putright.apiv1.middleware.JsonBodyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "putright.urls"
WSGI_APPLICATION = "putright.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "putright" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "putright.pages.context_processors.staff_nav",
                "putright.portal.brand.brand",
            ],
        },
    },
]

# One DATABASE_URL; SQLite (WAL, immediate transactions so writers queue instead of failing) by default.
_default_sqlite = f"sqlite:///{VAR_DIR / 'putright.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(envstr("DATABASE_URL", _default_sqlite), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # A server database (PostgreSQL) keeps a connection per worker thread for this many seconds instead of
    # opening one per request: measured side by side, 60 s made the queue API 1.7-2.6x and the case page
    # 1.5-1.8x faster. Health checks test a kept connection before a request reuses it, so a database
    # restart costs one reconnect, not an error. 0 goes back to a connection per request.
    DATABASES["default"]["CONN_MAX_AGE"] = envint("PUTRIGHT_DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite stays at a connection per request: opening it is opening a local file, with nothing to save.
    # The embedded default lives in var/; make sure the folder exists on a fresh clone.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds only short-lived counters (the report form's rate limit). Local memory is per process:
# a deployment with several web processes or servers should point CACHES at a shared cache (Redis,
# Memcached or Django's database cache), or each process counts on its own and the limits multiply.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "putright"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters at least: long enough that a passphrase beats guessing (NCSC and NIST advice).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = envstr("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "putright" / "static"]

# Stored files: whatever Putright keeps on disk as part of its data (attachments, through Django's default
# file storage) lives under MEDIA_ROOT, and `putright backup` archives that folder with the database.
# pg_dump/pg_restore for backup and restore on PostgreSQL come from PUTRIGHT_PG_BIN_DIR when it is set
# (else from PATH, else the newest /usr/lib/postgresql/<version>/bin): pg_dump must be at least as new
# as the server.
MEDIA_ROOT = Path(envstr("PUTRIGHT_MEDIA_ROOT", str(VAR_DIR / "media")))
# Issue 15 §4: attachments go through Django's storage API, a local folder (MEDIA_ROOT) by default. With
# several web servers, MEDIA_ROOT must be one shared volume, or "default" an S3-compatible backend from
# django-storages (not installed here): see the README.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PG_BIN_DIR = envstr("PUTRIGHT_PG_BIN_DIR", "")

# Background work: django-tasks with the database backend, two queues each with its own worker
# (`manage.py worker --queue mail`, `--queue analysis`); see putright/jobs for the outbox that feeds them.
TASKS = {
    "default": {
        "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["mail", "analysis"],
    }
}

# Email: Django's SMTP backend, configured from the environment.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("EMAIL_PORT", 1025, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Putright customer care <care@putright.example>")

# Case-handling rules an administrator may tune.
# A retired setting is refused, not silently ignored: whoever set it expects it to do something.
if envstr("PUTRIGHT_LOGIN_FAILURES_PER_USER_PER_HOUR"):
    raise ImproperlyConfigured(
        "PUTRIGHT_LOGIN_FAILURES_PER_USER_PER_HOUR is retired: sign-in now slows down instead of locking "
        "an account; use PUTRIGHT_LOGIN_FAILURES_BEFORE_SLOWDOWN and PUTRIGHT_LOGIN_SLOWDOWN_MAX_SECONDS."
    )

PUTRIGHT = {
    # A4: flag a case whose customer has not heard from us for this many business days.
    "CADENCE_BUSINESS_DAYS": envint("PUTRIGHT_CADENCE_BUSINESS_DAYS", 3, minimum=1),
    # A3: a promise becomes "at risk" this many hours before it is due.
    "PROMISE_AT_RISK_HOURS": envint("PUTRIGHT_PROMISE_AT_RISK_HOURS", 24, minimum=1),
    # Bank holidays: GB subdivision (ENG, SCT, NIR, WLS).
    "HOLIDAY_REGION": envstr("PUTRIGHT_HOLIDAY_REGION", "ENG"),
    # S1: the public report form emails whatever address it is given, so accepted reports are limited per
    # sender address and per recipient email address in each clock hour (putright.ratelimit).
    "REPORTS_PER_IP_PER_HOUR": envint("PUTRIGHT_REPORTS_PER_IP_PER_HOUR", 10, minimum=1),
    "REPORTS_PER_EMAIL_PER_HOUR": envint("PUTRIGHT_REPORTS_PER_EMAIL_PER_HOUR", 5, minimum=1),
    # A4: each message a customer sends on their case link alerts the handler, so messages are limited per
    # case in each clock hour (a closed case once took 30 in a row, and made 30 alerts).
    "MESSAGES_PER_CASE_PER_HOUR": envint("PUTRIGHT_MESSAGES_PER_CASE_PER_HOUR", 10, minimum=1),
    # Issue 15 §4 attachments (putright/channels/attachments.py): the most one file may weigh, how many files
    # and how many bytes in all one report or message may carry, and the most pixels an image may have
    # (a larger one is refused before it is decoded: a small file can unpack into gigabytes).
    "ATTACHMENT_MAX_BYTES": envint("PUTRIGHT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
    "ATTACHMENTS_PER_MESSAGE": envint("PUTRIGHT_ATTACHMENTS_PER_MESSAGE", 5, minimum=1),
    "ATTACHMENTS_MAX_TOTAL_BYTES": envint(
        "PUTRIGHT_ATTACHMENTS_MAX_TOTAL_BYTES", 25 * 1024 * 1024, minimum=1024
    ),
    "ATTACHMENT_MAX_PIXELS": envint("PUTRIGHT_ATTACHMENT_MAX_PIXELS", 40_000_000, minimum=10_000),
    # A case link stops opening the case this many days after the case closed (its page shows the customer's
    # details and words). The default outlasts the six months a customer has to take our final response to
    # an ombudsman, so the letter stays in reach while it matters.
    "CASE_LINK_DAYS_AFTER_CLOSURE": envint("PUTRIGHT_CASE_LINK_DAYS_AFTER_CLOSURE", 190, minimum=1),
    # Following a case link lets that browser open the case, without the link, for this many days
    # (putright.portal.grants); then the customer follows the link in their email again.
    "CASE_SESSION_DAYS": envint("PUTRIGHT_CASE_SESSION_DAYS", 30, minimum=1),
    # Staff sign-in (/login/ and /admin/login/, putright.authority.signin): after this many failures for a
    # username, each further attempt for it waits 1 s, 2 s, 4 s … (doubling per failure, up to the cap);
    # a slowdown, never a lockout. Failed attempts per network address are limited per hour.
    "LOGIN_FAILURES_BEFORE_SLOWDOWN": envint("PUTRIGHT_LOGIN_FAILURES_BEFORE_SLOWDOWN", 5, minimum=1),
    "LOGIN_SLOWDOWN_MAX_SECONDS": envint("PUTRIGHT_LOGIN_SLOWDOWN_MAX_SECONDS", 300, minimum=1),
    "LOGIN_FAILURES_PER_ADDRESS_PER_HOUR": envint(
        "PUTRIGHT_LOGIN_FAILURES_PER_ADDRESS_PER_HOUR", 50, minimum=1
    ),
    # How many reverse proxies in front of us append to X-Forwarded-For. 0 (the default) trusts no header
    # and uses the connection's address; set it only to the number of proxies you run, or anyone can
    # choose their own address by sending the header.
    "TRUSTED_PROXY_COUNT": envint("PUTRIGHT_TRUSTED_PROXY_COUNT", 0, minimum=0),
    # Work after a commit (putright.jobs): a running job beats a heartbeat every JOB_HEARTBEAT_SECONDS; one
    # silent for JOB_STALE_SECONDS lost its worker and is handed over again, up to JOB_MAX_ATTEMPTS tries.
    "JOB_HEARTBEAT_SECONDS": envint("PUTRIGHT_JOB_HEARTBEAT_SECONDS", 10, minimum=1),
    "JOB_STALE_SECONDS": envint("PUTRIGHT_JOB_STALE_SECONDS", 60, minimum=3),
    "JOB_MAX_ATTEMPTS": envint("PUTRIGHT_JOB_MAX_ATTEMPTS", 8, minimum=1),
    # How often the scheduler enqueues the periodic sweep.
    "SWEEP_INTERVAL_SECONDS": envint("PUTRIGHT_SWEEP_INTERVAL_SECONDS", 300, minimum=5),
    # K2/S3 text intelligence backend: "tfidf" (installs with the product) or "semantic" (needs the
    # `semantic` extra: sentence-transformers with the packaged all-MiniLM-L6-v2 model, loaded offline).
    "TEXT_BACKEND": envstr("PUTRIGHT_TEXT_BACKEND", "tfidf").strip().lower(),
    # S3 repeated problems: each new case is compared with the newest PROBLEM_CANDIDATE_CAP cases before it;
    # similar cases from PROBLEM_MIN_CASES different customers within PROBLEM_WINDOW_DAYS raise a
    # suspected problem (a similar case in an open problem, however old, joins that problem).
    "PROBLEM_WINDOW_DAYS": envint("PUTRIGHT_PROBLEM_WINDOW_DAYS", 14, minimum=1),
    "PROBLEM_MIN_CASES": envint("PUTRIGHT_PROBLEM_MIN_CASES", 5, minimum=2),
    "PROBLEM_CANDIDATE_CAP": envint("PUTRIGHT_PROBLEM_CANDIDATE_CAP", 2000, minimum=10),
    # How alike two complaints must be, as a percentage (cosine similarity x 100); 0 = the default for the
    # text backend (35 for tfidf; the engine's own threshold for semantic): problems/services.S3_THRESHOLDS.
    "PROBLEM_SIMILARITY_PERCENT": envint("PUTRIGHT_PROBLEM_SIMILARITY_PERCENT", 0, minimum=0),
    # Growth: the owner is alerted again when a problem's cases double since their last alert, or when
    # this many cases join it within 24 hours (at most one such alert a day).
    "PROBLEM_GROWTH_PER_DAY": envint("PUTRIGHT_PROBLEM_GROWTH_PER_DAY", 5, minimum=1),
    # Who owns a problem no owner route covers (a username); empty: the least busy supervisor.
    "PROBLEM_DEFAULT_OWNER": envstr("PUTRIGHT_PROBLEM_DEFAULT_OWNER", ""),
    # S4 feedback feed: rising themes compare the last FEEDBACK_THEME_DAYS with the same span before,
    # reading at most FEEDBACK_THEME_MAX_TEXTS newest texts per span; a theme needs MIN_COUNT mentions.
    "FEEDBACK_THEME_DAYS": envint("PUTRIGHT_FEEDBACK_THEME_DAYS", 14, minimum=1),
    "FEEDBACK_THEME_MAX_TEXTS": envint("PUTRIGHT_FEEDBACK_THEME_MAX_TEXTS", 5000, minimum=10),
    "FEEDBACK_THEME_TOP": envint("PUTRIGHT_FEEDBACK_THEME_TOP", 10, minimum=1),
    "FEEDBACK_THEME_MIN_COUNT": envint("PUTRIGHT_FEEDBACK_THEME_MIN_COUNT", 3, minimum=1),
    # S5 operational signals: how far ahead of our clock a reading's time may be (clock skew), and how
    # many customers one reading may name.
    "SIGNAL_MAX_FUTURE_MINUTES": envint("PUTRIGHT_SIGNAL_MAX_FUTURE_MINUTES", 10, minimum=0),
    "SIGNAL_MAX_CUSTOMERS": envint("PUTRIGHT_SIGNAL_MAX_CUSTOMERS", 1000, minimum=1),
    # A proactive notice to at most this many customers is sent while the page waits; more go to the
    # worker, and the breach page shows progress.
    "NOTICE_INLINE_MAX": envint("PUTRIGHT_NOTICE_INLINE_MAX", 25, minimum=1),
    # Issue 13: the weekly digest e-mail to managers goes out at the first sweep from this local weekday
    # (0 Monday … 6 Sunday) and hour (0–23); it covers the 7 days before that day against the 7 before those.
    "DIGEST_WEEKDAY": envint("PUTRIGHT_DIGEST_WEEKDAY", 0, minimum=0),
    "DIGEST_HOUR": envint("PUTRIGHT_DIGEST_HOUR", 7, minimum=0),
    # Issue 15 §6: the steps done on a case go to the customer in one progress message a day, at the first
    # sweep from this local hour (0–23); earlier only when a first-update or cadence deadline would pass.
    "PROGRESS_DIGEST_HOUR": envint("PUTRIGHT_PROGRESS_DIGEST_HOUR", 16, minimum=0),
}
if PUTRIGHT["DIGEST_WEEKDAY"] > 6:
    raise ImproperlyConfigured(
        f"PUTRIGHT_DIGEST_WEEKDAY={PUTRIGHT['DIGEST_WEEKDAY']} is not a weekday: 0 (Monday) to 6 (Sunday)"
    )
if PUTRIGHT["DIGEST_HOUR"] > 23:
    raise ImproperlyConfigured(f"PUTRIGHT_DIGEST_HOUR={PUTRIGHT['DIGEST_HOUR']} is not an hour: 0 to 23")
if PUTRIGHT["PROGRESS_DIGEST_HOUR"] > 23:
    raise ImproperlyConfigured(
        f"PUTRIGHT_PROGRESS_DIGEST_HOUR={PUTRIGHT['PROGRESS_DIGEST_HOUR']} is not an hour: 0 to 23"
    )
if PUTRIGHT["TEXT_BACKEND"] not in ("tfidf", "semantic"):
    raise ImproperlyConfigured(
        f"PUTRIGHT_TEXT_BACKEND={PUTRIGHT['TEXT_BACKEND']!r} is not a text backend: use tfidf or semantic"
    )
if PUTRIGHT["JOB_STALE_SECONDS"] < 3 * PUTRIGHT["JOB_HEARTBEAT_SECONDS"]:
    raise ImproperlyConfigured(
        "PUTRIGHT_JOB_STALE_SECONDS must be at least three PUTRIGHT_JOB_HEARTBEAT_SECONDS, or a busy worker's "
        "jobs would be taken for a dead one's"
    )

# ---- Staff sign-in's edges: two-factor sign-in (django-otp) and password reset by e-mail ----------------------
# (putright/authority/two_factor.py, putright/authority/views.py; README, "Two-factor sign-in".)
# The staff roles by name, as putright.authority.models.Role has them (tests/test_two_factor_settings.py keeps
# the two in step): settings are read before any app, so the model cannot be imported here.
_STAFF_ROLE_NAMES = ("agent", "supervisor", "manager", "administrator")
# Staff in these roles (and every superuser, whenever any role is named) must give a code from their
# authenticator app, or a single-use backup code, after their password. In production the people who can
# approve large remedies and change the set-up need it by default; the `make run` demo and tests sign in
# with passwords alone unless they name roles. An empty value turns it off.
_two_factor_roles = envlist(
    "PUTRIGHT_TWO_FACTOR_ROLES", ["administrator", "supervisor"] if _PRODUCTION else []
)
_unknown_roles = [name for name in _two_factor_roles if name not in _STAFF_ROLE_NAMES]
if _unknown_roles:
    raise ImproperlyConfigured(
        f"PUTRIGHT_TWO_FACTOR_ROLES names {', '.join(map(repr, _unknown_roles))}, which is not a staff role: "
        f"use a comma-separated list of {', '.join(_STAFF_ROLE_NAMES)} (or nothing, to turn it off)"
    )
PUTRIGHT["TWO_FACTOR_ROLES"] = tuple(_two_factor_roles)
# A reset link is e-mailed to whatever address the form is given, so requests are limited per e-mail address
# and per sender address in each clock hour (putright.ratelimit), counted whether or not the address has
# an account, so the limit never tells which addresses do.
PUTRIGHT["PASSWORD_RESETS_PER_EMAIL_PER_HOUR"] = envint(
    "PUTRIGHT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR", 3, minimum=1
)
PUTRIGHT["PASSWORD_RESETS_PER_IP_PER_HOUR"] = envint(
    "PUTRIGHT_PASSWORD_RESETS_PER_IP_PER_HOUR", 10, minimum=1
)
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
# After the session's user is known: django-otp marks whether this session gave a code, then ours sends a
# session that still owes its code to the code step, whatever page it asked for.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "putright.authority.two_factor.TwoFactorMiddleware",
)
# The name an authenticator app shows beside the code.
OTP_TOTP_ISSUER = "Putright"
# Wrong codes are slowed by the one sign-in throttle that also slows wrong passwords (per username and per
# address, putright.authority.signin); django-otp's own per-device delay would be a second, untestable clock.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# An administrator resets a colleague's devices in the admin (deletes them) but never reads their secret key
# or backup codes there: whoever could would hold the colleague's second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# ---- end of staff sign-in's edges -------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Browser policy headers, sent on every response (README, "Security headers").
# Content-Security-Policy, enforced rather than report-only: no page needs anything it forbids (the
# template test in tests/test_security_headers.py keeps inline script, style and handlers out, and the
# browser test fails on any violation), and a report-only policy would protect nothing. Everything comes
# from this origin; no 'unsafe-inline' or 'unsafe-eval', so an injected <script> or onclick= does not run.
# htmx is configured in base.html to need neither (no eval, no injected <style>). django-csp's decorators
# (csp_update, csp_replace) loosen it for one view if one ever must.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Permissions-Policy (putright.web.PermissionsPolicyMiddleware): powerful browser features no page uses,
# switched off for this site and anything it might embed. browsing-topics is interest-cohort's successor.
PERMISSIONS_POLICY = {
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
    "browsing-topics": "()",
}
if _PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Trusts X-Forwarded-Proto: only safe behind a proxy that always overwrites (never passes on) that
    # header from the client, or anyone could claim a plain-HTTP request was made over HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
