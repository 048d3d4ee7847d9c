"""Settings, read from the environment (or a .env file). Every variable is in .env.example and
the README's Configuration table.

Production is the default: DJANGO_DEBUG unset means off, which needs a secret key and allowed
hosts. Development says DJANGO_DEBUG=true (`make run`, the Procfile and the test settings do).
Unset DATABASE_URL → a SQLite file under var/; unset CELERY_BROKER_URL → kombu's filesystem
transport under var/celery (no broker server). Importing the settings creates no directories:
config.apps creates what the filesystem transport needs when Django starts.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("REDRESS_VAR_DIR", default=str(BASE_DIR / "var")))

# Off unless said otherwise: a production process that forgets the variable never shows debug pages.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key-change-me" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # viewflow first: its Material templates win for login/logout/password pages.
    "viewflow",
    "viewflow.workflow",
    # Before the admin: configuration names stored per language (complaints/translation.py).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.apps.RedressStaticFilesConfig",  # django.contrib.staticfiles, minus viewflow's unused bundles
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "config.apps.RedressConfig",
    "complaints",
    "web",
    "portal",
    "flows",
]

MIDDLEWARE = [
    # A request id on every log line of the request (and in the X-Request-ID response header).
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A form above the upload cap gets its page back with a message, not a bare 400 (before CSRF);
    # NULs are dropped from query parameters.
    "complaints.middleware.HostileInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # viewflow answers anonymous users with 403; this sends them to the login page instead.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # The language each user chose for themselves (menu → language), on every device.
    "complaints.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each configuration change (admin history: old → new).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Configuration read once per request outside the admin (complaints.selectors.once).
    "config.middleware.ReadsOnceMiddleware",
    # A user's menu badges and unread count are counted afresh after they change something.
    "web.header_counts.HeaderCountsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "flows.middleware.FlowLockFailedMiddleware",
    "flows.middleware.ComplaintScopeMiddleware",
    # Last: counts failed logins and refuses a locked-out client (django-axes).
    "axes.middleware.AxesMiddleware",
    # viewflow appends SiteMiddleware and HotwireTurboMiddleware itself.
]

if not DEBUG:
    # Serves collected static files from the web processes in production (after SecurityMiddleware).
    _after = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
    MIDDLEWARE.insert(_after, "whitenoise.middleware.WhiteNoiseMiddleware")

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out client before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Permissions that follow from department memberships and roles (queues, registering). Before
    # ModelBackend: a permission a membership grants is answered from the memberships the request
    # has read anyway, without reading the user's and their groups' model permissions (two queries).
    "complaints.auth.MembershipBackend",
    # Django's ModelBackend, taking the user read with the session (config.sessions) instead of
    # reading them again.
    "complaints.auth.ModelBackend",
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
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    }
]

# psycopg prepares a statement a connection has run this many times, or when asked to.
PREPARED_ONLY_WHEN_ASKED = 2**31 - 1
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'redress.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Whole write transactions serialise on SQLite; without IMMEDIATE two writers meet
    # "database is locked" instead of waiting their turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # The reads Redress asks to prepare are prepared (complaints.selectors.together: the session,
    # the complaint a URL names, the complaint page's reads keyed by the complaint, the access log's
    # row); no other statement is (Django's client-side binding never prepares, and the threshold
    # is never met): a kept plan for a list or a search can be far worse than planning it afresh.
    # They pay on persistent connections (DATABASE_CONN_MAX_AGE); behind a transaction-mode pooler
    # they need its support (PgBouncer's max_prepared_statements) or DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", PREPARED_ONLY_WHEN_ASKED)
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Login throttling (django-axes): after the admin's number of failed logins for one username from
# one address (Process settings → Login lock-out), that pair is locked out for the admin's cool-off
# time (429 with our page). `python manage.py axes_reset` (or the admin's *Access attempts*) lifts a
# lockout early.
AXES_FAILURE_LIMIT = "complaints.selectors.common.login_failure_limit"
AXES_COOLOFF_TIME = "complaints.selectors.common.login_cooloff"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_VERBOSE = False

# Sessions end after this long without a request. Development keeps Django's two weeks unless the
# variable says otherwise. A request renews the session when its last renewal is older than a
# thirtieth of that (config.middleware.SessionRenewalMiddleware: one minute of 30), not on every
# request, which would write the session row on every page.
SESSION_COOKIE_AGE = 60 * env.int("REDRESS_SESSION_IDLE_MINUTES", default=14 * 24 * 60 if DEBUG else 30)
SESSION_RENEW_SECONDS = max(1, SESSION_COOKIE_AGE // 30)
SESSION_ENGINE = "config.sessions"  # database sessions with their user, written only when they change

# Django's cache: each process's memory unless REDRESS_CACHE_URL names a shared one (redis://…),
# which several web processes should share. It keeps only what may be a little old: each user's menu
# badges and unread count, for REDRESS_MENU_COUNTS_SECONDS (0: counted on every page), dropped
# after the user changes something (web/header_counts.py).
CACHES = {"default": env.cache_url("REDRESS_CACHE_URL", default="locmemcache://")}
REDRESS_MENU_COUNTS_SECONDS = env.int("REDRESS_MENU_COUNTS_SECONDS", default=30)

LANGUAGE_CODE = env.str("REDRESS_LANGUAGE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Configuration names (categories, levels, priorities, departments, roles) are stored per language
# (complaints/translation.py): the admin requires the site language's and the reader sees their own,
# or the other one while it is empty.
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE if LANGUAGE_CODE in dict(LANGUAGES) else LANGUAGES[0][0]
MODELTRANSLATION_FALLBACK_LANGUAGES = tuple(code for code, _name in LANGUAGES)
# A name given without a language (code, fixtures: Role.objects.create(name=…)) also fills the
# site language's column, which the admin and the configuration import require.
MODELTRANSLATION_AUTO_POPULATE = "required"


def _name_in_language(verbose_name: str, language: str) -> str:
    """The label of one language's column: "name (English)", "名称 (英语)"."""
    from django.utils.translation import get_language_info

    return f"{verbose_name} ({get_language_info(language)['name_translated']})"


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _name_in_language
# One date and time format per language (config/formats/<language>/formats.py); templates write
# |date:"DATETIME_FORMAT" instead of a pattern of their own.
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("REDRESS_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Phone numbers without a leading + are read as numbers of this region.
REDRESS_PHONE_REGION = env.str("REDRESS_PHONE_REGION", default="CN")
# Links in notifications point here (the address users open the site at); unset, the host and
# port `make run` serves on.
REDRESS_BASE_URL = env.str(
    "REDRESS_BASE_URL",
    default=f"http://{env.str('REDRESS_HOST', default='127.0.0.1')}:{env.str('REDRESS_PORT', default='8000')}",
).rstrip("/")

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("REDRESS_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("REDRESS_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# The PDF font is read from disk by WeasyPrint, never sent to browsers: not worth compressing.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br"),
    *("swf", "flv", "woff", "woff2", "otf", "ttf", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4"),
    *("mpeg", "mpg", "webm", "wmv"),
]
# Uploads are checked against the admin's limits in the intake form; this only caps memory use.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

VIEWFLOW = {"AUTOREGISTER": True}

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="redress@localhost")
# The SMTP server, for DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 30

# Celery: Redis in production; with no broker configured, kombu's filesystem transport
# carries messages through files under var/celery, so one machine needs no broker server
# (config.apps creates the folders when Django starts).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "store_processed": False,
        # The exchanges' tables (kombu's default: a "control" folder wherever the worker starts).
        "control_folder": str(_celery_dir / "control"),
    }
else:
    # Longer than any task runs, so a task in progress is not redelivered to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Clocks the sweep claims and fires per transaction; a tick sweeps batch after batch until nothing
# is due. Smaller batches hold fewer row locks at once, larger ones cost fewer round trips.
REDRESS_SWEEP_BATCH = env.int("REDRESS_SWEEP_BATCH", default=500)
# Login lock-out before any configuration exists (a fresh install): afterwards the admin's
# Process settings decide (failures before a lock-out, lock-out minutes).
REDRESS_LOGIN_FALLBACK_FAILURES = 5
REDRESS_LOGIN_FALLBACK_COOLOFF_MINUTES = 15
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through LOGGING below (one line per task with its id), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# One line per request and per Celery task, each with its request or task id; REDRESS_LOG_FORMAT=json
# writes one JSON object a line, so several machines' logs merge (config/logs.py).
LOG_FORMAT = env.str("REDRESS_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logs.ContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint narrates every step of a PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The request line (config.logs) replaces Django's own per-request warnings.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# Security headers. The Content-Security-Policy allows scripts only from our own origin (a nonce
# for inline code: {{ request.csp_nonce }}); styles may be inline (viewflow's Material pages set
# them); no page may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (docs/deployment.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True

SITE_TITLE = _("Redress")

# --- Integration API (api/): Django REST framework + drf-spectacular. See docs/api.md. ---
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "api"]
REST_FRAMEWORK = {
    # A token per integration (acts as its owner); the session for the staff UI and the docs page.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The rate is set per token in the admin.
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Redress API",
    "DESCRIPTION": "Complaints, their steps and the caller's worklists. Errors are RFC 9457 problem details.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The documentation pages load Swagger UI and Redoc from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two different choice sets are both called "channel": how the complaint came in, and how a
    # contact with the customer happened.
    "ENUM_NAME_OVERRIDES": {
        "IntakeChannelEnum": "complaints.choices.Channel",
        "ContactChannelEnum": "complaints.forms.page.CONTACT_CHANNELS",
        "ActionStatusEnum": "complaints.choices.ActionStatus",
        "ActionReportedStatusEnum": "api.serializers.ACTION_REPORTED",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
    ],
}
