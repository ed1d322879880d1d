"""Cape Panel settings.

Everything comes from the environment (see docs/configuration.md). The embedded
defaults run the product on a fresh machine with nothing else installed:
SQLite, Celery's filesystem broker, storage and mail files, all under var/.
"""

import json
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from capepanel.env import env_bool, env_int, env_list, env_str
from capepanel.local_secrets import local_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CAPEPANEL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or local_secret(VAR_DIR, "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The public address of this panel, used in links in e-mails and in the
# snippets merchants paste into their sites.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "customers",
    "intake",
    "certificates",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "capepanel.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "capepanel.urls"
WSGI_APPLICATION = "capepanel.wsgi.application"

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
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'capepanel.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite ignores SELECT ... FOR UPDATE, which the pipeline's steps rely on
    # so that two workers never deliver one submission twice. Taking the write
    # lock when each transaction begins gives the same guarantee, and waiting
    # for it (rather than failing at once) keeps concurrent workers apart.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["portal.backends.EmailOrUsernameBackend"]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]


def _storage_from_env(prefix, default_location):
    """A STORAGES entry: Django's file system storage unless PREFIX_BACKEND names
    another (for example storages.backends.s3.S3Storage), with PREFIX_OPTIONS as a
    JSON object of that backend's options."""
    backend = env_str(f"{prefix}_BACKEND", "intake.storage.LogFileSystemStorage")
    raw_options = env_str(f"{prefix}_OPTIONS", "")
    try:
        options = json.loads(raw_options) if raw_options else {}
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{prefix}_OPTIONS is not valid JSON: {exc}")
    if not isinstance(options, dict):
        raise ImproperlyConfigured(f"{prefix}_OPTIONS must be a JSON object")
    if backend == "intake.storage.LogFileSystemStorage":
        options.setdefault("location", str(default_location))
    return {"BACKEND": backend, "OPTIONS": options}


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    "intake_log": _storage_from_env("INTAKE_LOG_STORAGE", VAR_DIR / "intake-log"),
}

# The cache counts posts for the rate limit and remembers which notices went
# out today, so every web process and worker must share it: files under var/
# on one machine, Redis (CACHE_URL=redis://...) across several.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL must be a redis:// address")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Mail: a file per message under var/mail unless an SMTP relay is configured.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cape Panel <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Operators", addr) for addr in env_list("ADMIN_EMAILS", [])]

# Form contents are sealed with these keys until the worker encrypts them to the
# customer's OpenPGP key. The first key seals; all of them open, so a key can be
# rotated by putting a new one first and dropping the old one once the queue of
# received submissions has drained.
INTAKE_SEALING_KEYS = env_list("INTAKE_SEALING_KEYS", []) or [
    local_secret(VAR_DIR, "sealing_key", kind="fernet")
]
# Whether the keys came from the deployment rather than var/: a web process
# and a worker on different machines must share them (see intake.checks).
INTAKE_SEALING_KEYS_CONFIGURED = bool(env_list("INTAKE_SEALING_KEYS", []))
INTAKE_MAX_BODY_BYTES = env_int("INTAKE_MAX_BODY_BYTES", 10 * 1024 * 1024)
INTAKE_MAX_FIELDS = env_int("INTAKE_MAX_FIELDS", 500)
INTAKE_RATE_LIMIT_PER_MINUTE = env_int("INTAKE_RATE_LIMIT_PER_MINUTE", 60)
# How many reverse proxies in front of the panel append to X-Forwarded-For;
# 0 means visitors connect directly and REMOTE_ADDR is their address.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
INTAKE_DELIVERY_MAX_ATTEMPTS = env_int("INTAKE_DELIVERY_MAX_ATTEMPTS", 8)
INTAKE_MESSAGE_ID_DOMAIN = env_str("INTAKE_MESSAGE_ID_DOMAIN", "capepanel.invalid")
INTAKE_SWEEP_AFTER_SECONDS = env_int("INTAKE_SWEEP_AFTER_SECONDS", 120)

# Django's own request parsing limits sit above the endpoint limits, which the
# intake view checks itself so that it can answer 413 rather than a bare 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_BODY_BYTES + 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = INTAKE_MAX_BODY_BYTES + 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = INTAKE_MAX_FIELDS + 10

GPG_BINARY = env_str("GPG_BINARY", "gpg")
GPG_TIMEOUT_SECONDS = env_int("GPG_TIMEOUT_SECONDS", 30)

# Celery: the filesystem broker needs nothing installed; production sets
# CELERY_BROKER_URL to redis:// or amqp://.
# The host part means nothing to this transport; kombu only warns without one.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # The filesystem transport expects its folders to exist.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Retries are shorter than this, so Redis never re-delivers a waiting task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# One queue name per deployment; tests use their own so that runs side by
# side on one broker never take each other's messages.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false"],
            # Error mails never include request bodies: see
            # capepanel.reporting.SafeExceptionReporterFilter.
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # At DEBUG python-gnupg logs command lines and user IDs.
        "gnupg": {"level": "WARNING"},
        # Not propagated: Django's own "django" logger mails the admins too,
        # and one error should make one mail.
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
DEFAULT_EXCEPTION_REPORTER_FILTER = "capepanel.reporting.SafeExceptionReporterFilter"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
