"""Settings of Parcours, read from the environment.

Every variable is documented in docs/configuration.md. With PARCOURS_DEBUG unset, the
application refuses to start without PARCOURS_SECRET_KEY and PARCOURS_ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("PARCOURS_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("PARCOURS_DEBUG")

SECRET_KEY = os.environ.get("PARCOURS_SECRET_KEY", "")
if not SECRET_KEY and os.environ.get("PARCOURS_SECRET_KEY_FILE"):
    SECRET_KEY = Path(os.environ["PARCOURS_SECRET_KEY_FILE"]).read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("PARCOURS_SECRET_KEY doit être défini hors mode développement.")
    SECRET_KEY = "parcours-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("PARCOURS_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("PARCOURS_ALLOWED_HOSTS doit être défini hors mode développement.")
CSRF_TRUSTED_ORIGINS = env_list("PARCOURS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "django_tasks_rq",
    "oauth2_provider",
    "parcours.core",
    "parcours.accounts",
    "parcours.nomenclature",
    "parcours.organisations",
    "parcours.people",
    "parcours.staff",
    "parcours.records",
    "parcours.access",
    "parcours.privacy",
    "parcours.retention",
    "parcours.coordination",
    "parcours.portal",
    "parcours.finance",
    "parcours.reporting",
    "parcours.fhir",
    "parcours.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages: an expired session is logged out with a message for the login page.
    "parcours.accounts.middleware.SessionTimeoutMiddleware",
    "parcours.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "parcours.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "parcours.urls"
WSGI_APPLICATION = "parcours.wsgi.application"

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
                "parcours.core.context_processors.navigation",
                "parcours.accounts.context_processors.second_factor",
                "parcours.portal.context_processors.easy_read",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'parcours.sqlite3'}",
        conn_max_age=int(os.environ.get("PARCOURS_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PARCOURS_TEST_DB_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication (docs/security.md). The password checks count failures and lock accounts; the
# OpenID Connect backend (below, when configured) sits beside it, behind the same second factor.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["parcours.accounts.backends.ThrottledModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Passwords: CNIL recommendation (délibération n° 2022-100), case of a password alone (80 bits).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "parcours.accounts.passwords.CnilPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Second factor (TOTP, recovery codes) for every user who can read personal data. Off only for the
# demonstration on synthetic data: the pages then say so, and `check --deploy` warns.
PARCOURS_REQUIRE_2FA = env_bool("PARCOURS_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = os.environ.get("PARCOURS_TOTP_ISSUER", "Parcours")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Failed logins (passwords and second-factor codes): after this many failures for one username the
# account is locked for PARCOURS_LOGIN_LOCKOUT_SECONDS; one client address gets a larger allowance
# (a whole establishment may share it).
PARCOURS_LOGIN_FAILURE_LIMIT = int(os.environ.get("PARCOURS_LOGIN_FAILURE_LIMIT", "5"))
PARCOURS_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("PARCOURS_LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
PARCOURS_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("PARCOURS_LOGIN_LOCKOUT_SECONDS", str(15 * 60)))

# Login through an outside OpenID Connect provider (a gestionnaire's directory, Pro Santé Connect;
# docs/security.md), on when an issuer and a client are configured. The endpoints come from the
# issuer's discovery document, unless all four are given here.
PARCOURS_OIDC_ISSUER = os.environ.get("PARCOURS_OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("PARCOURS_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("PARCOURS_OIDC_CLIENT_SECRET", "")
if not OIDC_RP_CLIENT_SECRET and os.environ.get("PARCOURS_OIDC_CLIENT_SECRET_FILE"):
    OIDC_RP_CLIENT_SECRET = (
        Path(os.environ["PARCOURS_OIDC_CLIENT_SECRET_FILE"]).read_text(encoding="utf-8").strip()
    )
PARCOURS_OIDC_NAME = os.environ.get("PARCOURS_OIDC_NAME", "") or "votre compte professionnel"
PARCOURS_OIDC_CREATE_USERS = env_bool("PARCOURS_OIDC_CREATE_USERS")
# acr values by which the provider asserts a multi-factor authentication: no TOTP code asked then.
PARCOURS_OIDC_TRUSTED_ACR = env_list("PARCOURS_OIDC_TRUSTED_ACR")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("PARCOURS_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("PARCOURS_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("PARCOURS_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("PARCOURS_OIDC_JWKS_ENDPOINT", "")
PARCOURS_OIDC_END_SESSION_ENDPOINT = os.environ.get("PARCOURS_OIDC_END_SESSION_ENDPOINT", "")
OIDC_RP_SCOPES = os.environ.get("PARCOURS_OIDC_SCOPES", "openid email profile")
# acr values asked of the provider (Pro Santé Connect: eidas1), when it needs them.
_acr_values = os.environ.get("PARCOURS_OIDC_ACR_VALUES", "")
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": _acr_values} if _acr_values else {}
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
if PARCOURS_OIDC_ISSUER or OIDC_RP_CLIENT_ID:
    if not (PARCOURS_OIDC_ISSUER and OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
        raise ImproperlyConfigured(
            "La connexion OpenID Connect demande PARCOURS_OIDC_ISSUER, PARCOURS_OIDC_CLIENT_ID et "
            "PARCOURS_OIDC_CLIENT_SECRET (ou PARCOURS_OIDC_CLIENT_SECRET_FILE)."
        )
    AUTHENTICATION_BACKENDS.append("parcours.integrations.oidc.OIDCBackend")

LANGUAGE_CODE = "fr"
# French only until the English catalogue exists: a browser asking for English would get English
# dates and month names next to French text.
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("PARCOURS_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The records' documents, encrypted at rest with the data keys below.
    "documents": {"BACKEND": "parcours.core.storage.EncryptedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Encryption at rest of free text and documents (docs/security.md): the data keys, one per line, the
# encrypting one first. Outside the database and outside the backups; production does not start
# without it, development creates it on first use.
PARCOURS_DATA_KEYS_FILE = Path(os.environ.get("PARCOURS_DATA_KEYS_FILE", VAR_DIR / "data_keys"))
PARCOURS_DATA_KEYS_CREATE = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Background work (Django tasks API). "db" needs the `db_worker` command running;
# "rq" needs Redis and `rqworker --job-class django_tasks_rq.Job`.
TASKS_BACKEND = os.environ.get("PARCOURS_TASKS_BACKEND", "db")
REDIS_URL = os.environ.get("PARCOURS_REDIS_URL", "redis://127.0.0.1:6379/0")
_TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]},
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"PARCOURS_TASKS_BACKEND doit valoir l'un de {sorted(_TASK_BACKENDS)}.")
TASKS = {"default": _TASK_BACKENDS[TASKS_BACKEND]}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
# django-rq's admin dashboard answers 500 on a job or worker that no longer exists, and its
# statistics API has its own authentication: off. Watch the queues with `parcours rqstats`.
RQ_SHOW_ADMIN_LINK = False

# The cache keeps the dashboards' computed figures (parcours.reporting.dashboards). Set
# PARCOURS_CACHE_URL (e.g. redis://127.0.0.1:6379/1) so that every application server shares one;
# without it each process keeps its own, in memory. It never holds personal data: aggregates only.
CACHE_URL = os.environ.get("PARCOURS_CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured("PARCOURS_CACHE_URL doit être une adresse redis:// ou rediss://.")
else:
    # Room for the figures of every scope of a department (Django's default keeps 300 entries).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

# Sessions and cookies: secure by default, relaxed only for local development over HTTP.
SECURE_COOKIES = env_bool("PARCOURS_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Absolute lifetime of a login (counted from the login, however active the user is), and the
# inactivity after which the user must log in again (parcours.accounts.middleware).
SESSION_COOKIE_AGE = int(os.environ.get("PARCOURS_SESSION_AGE", str(8 * 3600)))
PARCOURS_SESSION_IDLE_TIMEOUT = int(os.environ.get("PARCOURS_SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Served over HTTPS unless cookies were explicitly allowed over plain HTTP (demo, tests, benchmark).
SECURE_SSL_REDIRECT = env_bool("PARCOURS_SSL_REDIRECT", default=SECURE_COOKIES)
SECURE_HSTS_SECONDS = int(os.environ.get("PARCOURS_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0 and env_bool("PARCOURS_HSTS_PRELOAD", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("PARCOURS_BEHIND_PROXY") else None

# Access policy: a professional keeps reading a person's record for this many days after
# the end of the person's last support in one of their establishments (hand-over, final notes).
PARCOURS_ACCESS_GRACE_DAYS = int(os.environ.get("PARCOURS_ACCESS_GRACE_DAYS", "30"))
# Which client address goes into the access log: REMOTE_ADDR, or the first address of
# X-Forwarded-For when a trusted reverse proxy sets it.
PARCOURS_TRUST_X_FORWARDED_FOR = env_bool("PARCOURS_TRUST_X_FORWARDED_FOR")
# Right of access: an export archive of a person's data is downloadable this many days, then
# `parcours purge-exports` deletes it (docs/privacy.md).
PARCOURS_EXPORT_LIFETIME_DAYS = int(os.environ.get("PARCOURS_EXPORT_LIFETIME_DAYS", "7"))
if PARCOURS_EXPORT_LIFETIME_DAYS < 1:
    raise ImproperlyConfigured("PARCOURS_EXPORT_LIFETIME_DAYS doit être un nombre de jours positif.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARCOURS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Access-log audit: the data protection officer's view of unusual access (docs/access.md).
# Flagged: more than PARCOURS_AUDIT_BURST_PERSONS different records opened by one user within
# PARCOURS_AUDIT_BURST_MINUTES minutes; any access between PARCOURS_AUDIT_NIGHT_START and
# PARCOURS_AUDIT_NIGHT_END o'clock, local time (the range may wrap past midnight).
PARCOURS_AUDIT_BURST_PERSONS = int(os.environ.get("PARCOURS_AUDIT_BURST_PERSONS", "50"))
PARCOURS_AUDIT_BURST_MINUTES = int(os.environ.get("PARCOURS_AUDIT_BURST_MINUTES", "60"))
PARCOURS_AUDIT_NIGHT_START = int(os.environ.get("PARCOURS_AUDIT_NIGHT_START", "22"))
PARCOURS_AUDIT_NIGHT_END = int(os.environ.get("PARCOURS_AUDIT_NIGHT_END", "6"))
# Authority views: a count below this threshold is masked (with secondary masking of other cells).
PARCOURS_DISCLOSURE_THRESHOLD = int(os.environ.get("PARCOURS_DISCLOSURE_THRESHOLD", "10"))
# The data protection officer's address: break-glass notices and rights requests (besides the
# e-mail of every user holding the access.view_audit permission).
PARCOURS_DPO_EMAIL = os.environ.get("PARCOURS_DPO_EMAIL", "")
# How long an emergency access (break-glass) lets a professional read a record.
PARCOURS_BREAK_GLASS_HOURS = int(os.environ.get("PARCOURS_BREAK_GLASS_HOURS", "4"))
# The person's space (docs/portal.md): how long an invitation's link or printed code works, and how
# often today's view asks for news (a question answered in a few bytes when nothing changed).
PARCOURS_INVITATION_DAYS = int(os.environ.get("PARCOURS_INVITATION_DAYS", "14"))
PARCOURS_PORTAL_POLL_SECONDS = int(os.environ.get("PARCOURS_PORTAL_POLL_SECONDS", "15"))
if PARCOURS_INVITATION_DAYS < 1 or PARCOURS_PORTAL_POLL_SECONDS < 1:
    raise ImproperlyConfigured(
        "PARCOURS_INVITATION_DAYS et PARCOURS_PORTAL_POLL_SECONDS doivent être des nombres positifs."
    )
# The address users reach Parcours at, for the links in e-mails.
PARCOURS_SITE_URL = os.environ.get("PARCOURS_SITE_URL", "http://127.0.0.1:8000")

# E-mail (notices only: never personal data). Without PARCOURS_EMAIL_HOST, messages go to the
# server's console output.
EMAIL_HOST = os.environ.get("PARCOURS_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("PARCOURS_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("PARCOURS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PARCOURS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("PARCOURS_EMAIL_TLS", default=True)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("PARCOURS_EMAIL_FROM", "parcours@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if PARCOURS_AUDIT_BURST_PERSONS < 1 or PARCOURS_AUDIT_BURST_MINUTES < 1:
    raise ImproperlyConfigured(
        "PARCOURS_AUDIT_BURST_PERSONS et PARCOURS_AUDIT_BURST_MINUTES doivent être positifs."
    )
if not (0 <= PARCOURS_AUDIT_NIGHT_START <= 23 and 0 <= PARCOURS_AUDIT_NIGHT_END <= 23):
    raise ImproperlyConfigured(
        "PARCOURS_AUDIT_NIGHT_START et PARCOURS_AUDIT_NIGHT_END sont des heures (0 à 23)."
    )

# FHIR R4 API (docs/fhir.md): OAuth2 client credentials (django-oauth-toolkit) with SMART scopes.
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "parcours.fhir.auth.SmartScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("PARCOURS_FHIR_TOKEN_SECONDS", "3600")),
    "PKCE_REQUIRED": True,
    # The OAuth 2.0 Security BCP (RFC 9700): tokens stored hashed, no implicit or password grant, no
    # token in a URL, https redirections only (the API uses client credentials alone).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# django-oauth-toolkit's own models (named here: the migrations' swappable dependencies read them).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model's name
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105 - a model's name
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 - a model's name
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
# Resources per page of a search (the client may ask fewer or more, up to the maximum).
PARCOURS_FHIR_PAGE_SIZE = int(os.environ.get("PARCOURS_FHIR_PAGE_SIZE", "20"))
PARCOURS_FHIR_MAX_PAGE_SIZE = int(os.environ.get("PARCOURS_FHIR_MAX_PAGE_SIZE", "500"))
# How long the files of a bulk export stay downloadable.
PARCOURS_FHIR_EXPORT_HOURS = int(os.environ.get("PARCOURS_FHIR_EXPORT_HOURS", "24"))
