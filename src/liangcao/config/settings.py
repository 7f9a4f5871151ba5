"""Django settings, read from the environment (see README, "Configuration").

A bad or missing production value stops start-up with ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from liangcao.config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(env_str("LIANGCAO_HOME", str(PACKAGE_DIR.parent.parent)))
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (make run generates one into var/ for local use)"
        )
    SECRET_KEY = "development-only-insecure-key-never-use-in-production-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if not DEBUG else ["*"])
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if not PUBLIC_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"PUBLIC_BASE_URL must start with http:// or https://, got {PUBLIC_BASE_URL!r}"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])

# manage.py sets LIANGCAO_MIGRATING for schema commands, so they run as the owner role when
# MIGRATION_DATABASE_URL is given while the app itself uses a DML-only role.
_db_url = env_str("DATABASE_URL", "sqlite:///var/liangcao.sqlite3")
_migration_url = os.environ.get("MIGRATION_DATABASE_URL")
if _migration_url and env_bool("LIANGCAO_MIGRATING", False):
    DATABASES = {
        "default": parse_database_url(
            _migration_url, name="MIGRATION_DATABASE_URL", base_dir=BASE_DIR
        )
    }
else:
    DATABASES = {"default": parse_database_url(_db_url, base_dir=BASE_DIR)}
if _migration_url:
    parse_database_url(_migration_url, name="MIGRATION_DATABASE_URL", base_dir=BASE_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "liangcao.core",
    "liangcao.orgs",
    "liangcao.catalog",
    "liangcao.stock",
    "liangcao.demand",
    "liangcao.logistics",
    "liangcao.allocation",
    "liangcao.fleet",
    "liangcao.community",
    "liangcao.readiness",
    "liangcao.reports",
    "liangcao.market",
    "liangcao.web",
    "liangcao.scenarios",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "liangcao.signin",
    "liangcao.masterdata",
    "liangcao.procurement",
    "liangcao.donations",
    "liangcao.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "liangcao.core.middleware.InputGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "liangcao.signin.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "liangcao.config.urls"
WSGI_APPLICATION = "liangcao.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "liangcao.web.context.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "liangcao.orgs.backends.UserBackend",  # ModelBackend reading user and memberships at once
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Three limits at once (signin/lockout.py): a (username, address) pair locks after a few
# failures; a username guessed at from many addresses, or an address guessing at many
# usernames, locks after more, so a stranger cannot lock the commander out with a few guesses.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_USERNAME_FAILURE_LIMIT = env_int("AXES_USERNAME_FAILURE_LIMIT", 20, minimum=1)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "liangcao.signin.lockout.LimitsHandler"
AXES_LOCKOUT_CALLABLE = "liangcao.signin.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "signin/locked_out.html"
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Liangcao")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
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

SESSION_ENGINE = "liangcao.core.sessions"  # database sessions, read by a prepared statement
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.
_https = PUBLIC_BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _https)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _https)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# "Dispatch first, paperwork after": hours a fast-tracked list has to collect its signatures.
FAST_TRACK_HOURS = env_int("FAST_TRACK_HOURS", 24, minimum=1)
# The largest quantity one document line may carry (an item's own `max_line_quantity` may lower
# it); excess booked on a receipt is bounded by the line's own quantity as well.
# Allocation commits report progress through a second connection (PostgreSQL); the test
# settings turn it off where a test's own transaction would hold the run row.
ALLOCATION_COMMIT_PROGRESS = True
# Largest spreadsheet an import accepts (bytes); bigger files are refused before reading.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5_000_000, minimum=10_000)
LEDGER_MAX_LINE_QUANTITY = env_int("LEDGER_MAX_LINE_QUANTITY", 10_000_000, minimum=1)

# Route planning (docs/routing.md): road distance = great-circle distance × road factor (1.3 by
# default, in percent here), travel time at an average speed; items carry no weight yet, so a
# stop's demand counts 1 kg per kg or litre and ROUTING_GRAMS_PER_UNIT per other issue unit.
ROUTING_ROAD_FACTOR = env_int("ROUTING_ROAD_FACTOR_PERCENT", 130, minimum=100) / 100
ROUTING_SPEED_KMH = env_int("ROUTING_SPEED_KMH", 30, minimum=1)
ROUTING_GRAMS_PER_UNIT = env_int("ROUTING_GRAMS_PER_UNIT", 500, minimum=1)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Local hour at which the scheduled daily report (日报) of the previous day is built.
DAILY_REPORT_HOUR = env_int("DAILY_REPORT_HOUR", 7, minimum=0)
if DAILY_REPORT_HOUR > 23:
    raise ImproperlyConfigured("DAILY_REPORT_HOUR must be 0-23")
# Market price alerts: a price above its baseline by more than this many percent, or above the
# same store's price of the day before by more than that many.
MARKET_BASELINE_ALERT_PERCENT = env_int("MARKET_BASELINE_ALERT_PERCENT", 20, minimum=1)
MARKET_JUMP_ALERT_PERCENT = env_int("MARKET_JUMP_ALERT_PERCENT", 10, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_PER_PAGE = 100

# The public portal reads through this database alias (point it at a read-only replica with
# PORTAL_DATABASE_URL); its rate limiter writes to "default". Requests per address per minute:
PORTAL_DATABASE = "portal" if os.environ.get("PORTAL_DATABASE_URL") else "default"
if PORTAL_DATABASE == "portal":
    DATABASES["portal"] = parse_database_url(
        os.environ["PORTAL_DATABASE_URL"], name="PORTAL_DATABASE_URL", base_dir=BASE_DIR
    )
PORTAL_RATE_LIMIT = env_int("PORTAL_RATE_LIMIT", 120, minimum=1)
