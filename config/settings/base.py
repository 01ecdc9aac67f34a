"""Complete, production-safe settings. Every value comes from the environment (see .env.example).

Production runs with DJANGO_SETTINGS_MODULE=config.settings.base; dev.py and test.py only relax it.
"""

from pathlib import Path

from django.contrib.messages import constants as message_constants

from config.env import BASE_DIR, env

env.read_env(BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: production refuses to start without it
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")  # no default either
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
VAR_DIR = Path(env.str("SPASER_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database and job queue live here

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "axes",
    "simple_history",
    "huey.contrib.djhuey",
    "spaser.core",
    "spaser.accounts",
    "spaser.geo",
    "spaser.referentiel",
    "spaser.strategies",
    "spaser.suppliers",
    "spaser.contracts",
    "spaser.imports",
    "spaser.actors",
    "spaser.indicators",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "spaser.observatory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Answers anonymous visitors from the observatory's page cache before the session, CSRF and auth layers.
    "spaser.observatory.middleware.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "spaser.accounts.middleware.CurrentOrganisationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware must stay last: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "spaser" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spaser.core.context_processors.platform",
            ],
        },
    },
]
FORM_RENDERER = "spaser.core.forms.AccessibleFormRenderer"

# --- Database ---------------------------------------------------------------------------------------
# Embedded SQLite under var/ by default; PostgreSQL in production through DATABASE_URL.
# Pages of 8 KB for a new database (no effect on an existing one; it must come before the switch to WAL, which
# writes the file's header): a contract row with its publication takes 1.5 to 3 KB, and a DECP import into a
# new database took 6.5 % less time than with 4 KB pages (docs/benchmarks.md).
SQLITE_INIT_COMMAND = (
    "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'spaser.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades failing.
            "init_command": SQLITE_INIT_COMMAND,
            "transaction_mode": "IMMEDIATE",
        }
    )
    # Opening a SQLite connection and running its PRAGMAs costs most of a cached page: keep it.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background jobs ----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env("HUEY_NAME", default="spaser"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    # A database cache is shared by the web server and the worker (unlike a per-process memory cache).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "spaser_cache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": env("HUEY_NAME", default="spaser"),
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }

# --- Accounts ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes: lock an account+address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The login form posts the e-mail as "username" (Django's AuthenticationForm); without this axes reads the
# model's USERNAME_FIELD ("email"), finds nothing and locks the whole address instead of the account.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True
# Addresses through spaser.core.client_ip (trusted proxies, below), e-mails compared in lower case as at login.
AXES_CLIENT_IP_CALLABLE = "spaser.core.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "spaser.accounts.login_guard.login_username"
# Password spraying: this many distinct accounts failing from one address within AXES_COOLOFF_HOURS block the
# address itself, for every account, until fewer failures than that are younger than the cool-off.
AXES_HANDLER = "spaser.accounts.login_guard.LoginGuardHandler"
SPASER_LOGIN_SPRAY_LIMIT = env.int("AXES_SPRAY_LIMIT", default=10)
# Password reset e-mails sent per hour, per account and per address (beyond: nothing sent, same page shown).
SPASER_PASSWORD_RESET_ACCOUNT_LIMIT = env.int("SPASER_PASSWORD_RESET_ACCOUNT_LIMIT", default=3)
SPASER_PASSWORD_RESET_ADDRESS_LIMIT = env.int("SPASER_PASSWORD_RESET_ADDRESS_LIMIT", default=10)

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "spaser" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SPASER_UPLOAD_MAX_BYTES = env.int("SPASER_UPLOAD_MAX_BYTES", default=512 * 1024 * 1024)
# Uploaded import files are deleted after these many days (their journal entry stays): failed imports,
# simulations and files without any record soon, the others later.
SPASER_IMPORT_RETENTION_FAILED_DAYS = env.int("SPASER_IMPORT_RETENTION_FAILED_DAYS", default=7)
SPASER_IMPORT_RETENTION_DAYS = env.int("SPASER_IMPORT_RETENTION_DAYS", default=90)
# What one DECP file may hold: objects or arrays (JSON) or elements (XML) nested this deep at most, and texts
# of this many characters at most in one value.
SPASER_IMPORT_MAX_DEPTH = env.int("SPASER_IMPORT_MAX_DEPTH", default=64)
SPASER_IMPORT_MAX_TEXT_CHARS = env.int("SPASER_IMPORT_MAX_TEXT_CHARS", default=1024 * 1024)

# --- E-mail -----------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="spaser@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------------
HTTPS = env.bool("DJANGO_HTTPS", default=True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SECURE_SSL_REDIRECT = HTTPS and env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env.bool("DJANGO_HSTS_PRELOAD", default=False)
_BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _BEHIND_PROXY else None
# Number of reverse proxies in front of the application that append the client's address to X-Forwarded-For;
# every per-address limit reads the client's address through them (spaser.core.client_ip). One behind a proxy
# unless told otherwise, none otherwise (X-Forwarded-For is then ignored).
SPASER_TRUSTED_PROXIES = env.int("DJANGO_TRUSTED_PROXIES", default=1 if _BEHIND_PROXY else 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS preload is hard to undo, so it is opt-in (DJANGO_HSTS_PRELOAD) and its reminder is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp 4): no inline script or style anywhere.
_TILE_HOSTS = env.list("SPASER_CSP_IMG_HOSTS", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_TILE_HOSTS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Platform ---------------------------------------------------------------------------------------
# The home organisation and its look: configurable so that any buyer runs its own instance.
SPASER_PLATFORM_NAME = env("SPASER_PLATFORM_NAME", default="SPASER – pilotage des achats responsables")
SPASER_ORGANISATION_NAME = env("SPASER_ORGANISATION_NAME", default="Région Centre-Val de Loire")
SPASER_ORGANISATION_SIRET = env("SPASER_ORGANISATION_SIRET", default="23450002300028")
SPASER_LOGO_URL = env("SPASER_LOGO_URL", default="")
SPASER_THEME_PRIMARY = env("SPASER_THEME_PRIMARY", default="#00535e")
SPASER_THEME_SECONDARY = env("SPASER_THEME_SECONDARY", default="#f2f6f7")
# Public address of the platform, for absolute links in e-mails sent by the worker (no request there).
SPASER_SITE_URL = env("SPASER_SITE_URL", default="")
# Map tiles of the actor maps, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty = no tiles (the map
# and its list still work). The tile host must also be listed in SPASER_CSP_IMG_HOSTS.
SPASER_MAP_TILE_URL = env("SPASER_MAP_TILE_URL", default="")
SPASER_MAP_TILE_ATTRIBUTION = env("SPASER_MAP_TILE_ATTRIBUTION", default="")
SPASER_DEMO_MODE = env.bool("SPASER_DEMO_MODE", default=False)
# Thresholds of the "fournisseurs potentiels" recommendation (a buyers' convention, not law), overriding
# spaser.actors.recommendation.DEFAULT_RULES key by key, e.g. {"radius_km": 30, "reserve_min": 5}.
SPASER_ACTORS_RECOMMENDATION = env.json("SPASER_ACTORS_RECOMMENDATION", default={})
# The observatory's open-data datasets are downloadable only once the administrator opens them.
SPASER_OPEN_DATA_PUBLISH = env.bool("SPASER_OPEN_DATA_PUBLISH", default=False)
SPASER_DEMO_PASSWORD = env("SPASER_DEMO_PASSWORD", default="")

MESSAGE_TAGS = {message_constants.ERROR: "danger"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Public API (observatory) -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "spaser.observatory.api.pagination.BoundedPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["spaser.observatory.api.throttling.PublicAnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("SPASER_API_ANON_RATE", default="120/minute")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API publique de l'observatoire SPASER",
    "DESCRIPTION": "Données publiées, en lecture seule, sous Licence Ouverte 2.0.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "spaser.observatory.api.schema.document_errors",
    ],
}
