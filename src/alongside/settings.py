"""All configuration of Alongside, read from the environment in this one place.

Safe defaults for the embedded single-machine mode; loud refusal of unsafe production settings
(see ``alongside.core.config.check_production``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from alongside.core.config import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_prepare_threshold,
    load_master_keys,
    load_or_create_secret,
)

BASE_DIR = Path(__file__).resolve().parent

# --- mode and data directory -------------------------------------------------------------

#: development (default), production (``alongside serve``), demo (``alongside demo``), test
MODE = os.environ.get("ALONGSIDE_MODE", "development")
TESTING = MODE == "test" or "pytest" in sys.modules
DATA_DIR = Path(os.environ.get("ALONGSIDE_DATA_DIR", "./var")).resolve()
DEBUG = env_bool("ALONGSIDE_DEBUG", default=False)

SECRET_KEY = os.environ.get("ALONGSIDE_SECRET_KEY") or load_or_create_secret(
    DATA_DIR / "secret.key", kind="secret"
)
#: Master keys for the keyring, newest first; older ones are kept only to unwrap during rotation.
MASTER_KEYS: list[bytes] = load_master_keys(
    os.environ.get("ALONGSIDE_MASTER_KEY"), DATA_DIR / "master.key"
)

ALLOWED_HOSTS = env_list("ALONGSIDE_ALLOWED_HOSTS")
if not ALLOWED_HOSTS and MODE != "production":
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("ALONGSIDE_CSRF_TRUSTED_ORIGINS")
HTTPS = env_bool("ALONGSIDE_HTTPS", default=False)

#: Staff roles (moderator, crisis responder, clinician, admin) act only with MFA turned on.
#: ``alongside demo`` turns this off for its own process so the printed logins work at once.
STAFF_MFA_REQUIRED = env_bool("ALONGSIDE_STAFF_MFA_REQUIRED", default=True)

# --- applications ------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.headless",
    "django_tasks",
    "django_tasks_db",
    "alongside.core",
    "alongside.accounts",
    "alongside.privacy",
    "alongside.safety",
    "alongside.moderation",
    "alongside.communities",
    "alongside.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "alongside.core.middleware.SecurityHeadersMiddleware",
    "alongside.core.middleware.UnusableTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "alongside.safety.middleware.CrisisPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "alongside.accounts.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "alongside.accounts.middleware.ActorMiddleware",
    "alongside.core.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "alongside.urls"
ASGI_APPLICATION = "alongside.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alongside.core.context_processors.shell",
                "alongside.notifications.context.unread",
            ],
        },
    }
]

# --- database ----------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=False)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {})
        _db["OPTIONS"].setdefault("connect_timeout", env_int("ALONGSIDE_DB_CONNECT_TIMEOUT", 3))
        # Parameters travel apart from the SQL text (server-side binding), so a query of the
        # same shape is the same statement whatever its values, and psycopg prepares it on a
        # connection once it has run there a few times: PostgreSQL then skips parsing and
        # planning (most of its work on a thread page). An external pooler in transaction
        # mode without prepared-statement support needs ALONGSIDE_DB_PREPARE_THRESHOLD=off.
        _db["OPTIONS"]["server_side_binding"] = True
        _db["OPTIONS"]["prepare_threshold"] = env_prepare_threshold(
            "ALONGSIDE_DB_PREPARE_THRESHOLD"
        )
        if env_bool("ALONGSIDE_DB_POOL", default=not TESTING):
            _db["OPTIONS"]["pool"] = {
                "min_size": 1,
                "max_size": env_int("ALONGSIDE_DB_POOL_SIZE", 20),
                "timeout": 5,
            }
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "alongside.sqlite3"),
            "OPTIONS": {
                # WAL for concurrent readers, FULL for durability of acknowledged writes,
                # secure_delete so erased rows do not linger in freed pages.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;"
                    "PRAGMA secure_delete=ON;PRAGMA busy_timeout=20000"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # One file per test process: two suites running at once never share a database.
            "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, rate limits, channel layer -----------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "alongside.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("ALONGSIDE_CACHE_PREFIX", "alongside"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "alongside"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- jobs --------------------------------------------------------------------------------

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}

# --- accounts ----------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "alongside.accounts.backends.ModelBackend",
    "alongside.accounts.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_SIGNUP_FORM_CLASS = "alongside.accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "alongside.accounts.adapter.AccountAdapter"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Throttling by time window: a burst of failures slows an attacker down for minutes, and the
# real owner can always log in again once the window passes (never a permanent lock-out).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = os.environ.get("ALONGSIDE_SITE_NAME", "Alongside")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
MFA_PASSKEY_LOGIN_ENABLED = False
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_ONLY = False
HEADLESS_SERVE_SPECIFICATION = False
# Sessions are tracked (the devices list; erasure ends tracked sessions at once), but by
# SessionActivityMiddleware at most every few minutes per session, not with a write per request.
USERSESSIONS_TRACK_ACTIVITY = True

SESSION_ENGINE = "alongside.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

EMAIL_BACKEND = os.environ.get(
    "ALONGSIDE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("ALONGSIDE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ALONGSIDE_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("ALONGSIDE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ALONGSIDE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ALONGSIDE_EMAIL_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("ALONGSIDE_FROM_EMAIL", "alongside@localhost")

# --- i18n --------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- static files ------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MAX_AGE = 3600

# --- security headers --------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("ALONGSIDE_SSL_REDIRECT", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- API ---------------------------------------------------------------------------------

NINJA_PAGINATION_PER_PAGE = 25

# --- logging: ids and event names, never content ------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ALONGSIDE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

# --- product -----------------------------------------------------------------------------

SITE_NAME = os.environ.get("ALONGSIDE_SITE_NAME", "Alongside")
#: Default country for the help page when a visitor has none (ISO 3166-1 alpha-2).
DEFAULT_COUNTRY = os.environ.get("ALONGSIDE_DEFAULT_COUNTRY", "US").upper()
EXPORT_RETENTION_DAYS = 7
EVENT_RETENTION_DAYS = env_int("ALONGSIDE_EVENT_RETENTION_DAYS", 30)
#: Whole pages kept for signed-out visitors, per process, valid until the next committed write
#: that a visitor could see (core/pagecache.py, decision 0022); 0 turns it off. Off in tests:
#: a test's transaction never commits, so its writes would not reach the counter.
PAGE_CACHE_ENTRIES = env_int("ALONGSIDE_PAGE_CACHE_ENTRIES", 0 if TESTING else 256)
PAGE_CACHE_SECONDS = env_int("ALONGSIDE_PAGE_CACHE_SECONDS", 60)
if PAGE_CACHE_ENTRIES < 0:
    raise ConfigError(
        f"ALONGSIDE_PAGE_CACHE_ENTRIES must be 0 (off) or more, not {PAGE_CACHE_ENTRIES}"
    )
if PAGE_CACHE_SECONDS < 1:
    raise ConfigError(f"ALONGSIDE_PAGE_CACHE_SECONDS must be 1 or more, not {PAGE_CACHE_SECONDS}")
#: Crisis queue: an `imminent` case not acknowledged within this many seconds escalates to the
#: next tier of responders, and again every interval until acknowledged (decision 0012).
CRISIS_ACK_SECONDS = env_int("ALONGSIDE_CRISIS_ACK_SECONDS", 300)
#: The same for `high` cases, on a longer timer.
CRISIS_HIGH_ACK_SECONDS = env_int("ALONGSIDE_CRISIS_HIGH_ACK_SECONDS", 900)
