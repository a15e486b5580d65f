"""Django settings, configured from the environment (12-factor); see backend/.env.example."""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def local_secret_key(path: Path) -> str:
    """A random key made once per checkout and kept outside git (var/ is ignored), readable by its owner only.

    Concurrent first starts agree: the key is written to a temporary file and linked into place, and whoever
    loses the race reads the winner's key.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(50))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# A local run: `make run` (DEBUG), the test command (pytest, and the job processes its tests start), or a
# developer who says so. Only a local run may go without DJANGO_SECRET_KEY; a deployment that sets
# DJANGO_REQUIRE_SECRET_KEY=1 (compose, Cloud Run) is never one, whatever else it sets.
LOCAL_RUN = not env_bool("DJANGO_REQUIRE_SECRET_KEY", False) and (
    DEBUG or env_bool("BACHATA_LOCAL_RUN", False) or "pytest" in sys.modules
)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not LOCAL_RUN:
        # Fail closed: the key signs JWTs and media URLs; a built-in one would let anyone mint tokens.
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random secret (e.g. from a secret manager); "
            "only local runs (DJANGO_DEBUG=1 or BACHATA_LOCAL_RUN=1) make up a key of their own."
        )
    SECRET_KEY = local_secret_key(
        Path(os.environ.get("DJANGO_SECRET_KEY_FILE", REPO_ROOT / "var" / "secret_key"))
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "bachata.users",
    "bachata.choreography",
    "bachata.collections",
    "bachata.instructors",
    "bachata.songs",
    "bachata.moves",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # the admin's static files, from gunicorn itself
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bachata.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

WSGI_APPLICATION = "bachata.wsgi.application"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bachata_buddy"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise RuntimeError("DATABASE_URL must point to PostgreSQL (postgres://...)")

AUTH_USER_MODEL = "users.User"
# authenticate() (the admin's login) follows the API's login rules and lockout.
AUTHENTICATION_BACKENDS = ["bachata.users.backends.LockoutBackend"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 6},
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", REPO_ROOT / "var" / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", REPO_ROOT / "var" / "media"))
MEDIA_URL = "media/"
# The built web app (frontend/dist), served at / by WhiteNoise and bachata.api.spa (client routes -> index.html).
SPA_DIST_DIR = Path(os.environ.get("SPA_DIST_DIR", REPO_ROOT / "frontend" / "dist"))
WHITENOISE_ROOT = SPA_DIST_DIR if SPA_DIST_DIR.is_dir() else None
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/assets/"  # Vite's content-hashed build output

# The task ledger
LEDGER_REAP_TIMEOUT_SECONDS = int(os.environ.get("LEDGER_REAP_TIMEOUT_SECONDS", str(15 * 60)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The video job launcher: a dotted path to a JobLauncher (bachata.choreography.launcher).
JOB_LAUNCHER = os.environ.get("JOB_LAUNCHER", "bachata.choreography.local_launcher.LocalJobLauncher")

# ---- The REST API ----
from datetime import timedelta  # noqa: E402

from corsheaders.defaults import default_headers  # noqa: E402

INSTALLED_APPS += [
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's assets served from /static/, no CDN (works behind any firewall)
    "bachata.api",
]
MIDDLEWARE.insert(0, "bachata.api.middleware.RequestLogMiddleware")
MIDDLEWARE.insert(1, "bachata.api.middleware.MalformedRequestMiddleware")
MIDDLEWARE.insert(3, "corsheaders.middleware.CorsMiddleware")
APPEND_SLASH = False  # paths answer with and without the slash themselves; no redirects of POSTs

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "http://127.0.0.1:5173,http://localhost:5173")
# Origins whose unsafe requests (the admin's forms) are accepted when they reach the API through a proxy that
# changes the Host header (the SPA's nginx: compose.yaml, the Cloud Run SPA service).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Request-ID", "Content-Range", "Accept-Ranges", "ETag"]
# Preflights must allow what a cross-origin SPA sends: Idempotency-Key on generate, If-None-Match on the status
# poll (its conditional GET), and X-Bachata-Client on the cookie refresh (bachata.users.cookies).
CORS_ALLOW_HEADERS = [*default_headers, "idempotency-key", "if-none-match", "x-bachata-client"]

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "api_cache",
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only (uploads opt in to multipart): form encoding would turn empty fields into "not sent".
    "DEFAULT_PARSER_CLASSES": ["bachata.api.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "bachata.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "bachata.api.throttling.UserThrottle",
        "bachata.api.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_THROTTLE_USER", "100/minute"),
        "anon": os.environ.get("API_THROTTLE_ANON", "100/minute"),
    },
    "EXCEPTION_HANDLER": "bachata.api.errors.api_exception_handler",
    # Proxies in front of the API that append to X-Forwarded-For (Cloud Run: 1). The anonymous throttle keys
    # on the address that many hops from the right; 0 uses the connection's address. Unset, DRF would trust
    # the whole header, and a made-up X-Forwarded-For would be a fresh client each time.
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# The refresh-token cookie of the web app (bachata.users.cookies): Secure outside local development.
AUTH_COOKIE_SECURE = env_bool("AUTH_COOKIE_SECURE", not DEBUG)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=60),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Bachata Buddy API",
    "DESCRIPTION": "Generate Bachata choreography videos from songs; collections; instructor class plans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DifficultyEnum": "bachata.vocabulary.Difficulty",
        "MoveLabelEnum": "bachata.moves.vocabulary.MOVE_LABELS",
        "EnergyLevelEnum": "bachata.moves.vocabulary.ENERGY_LEVELS",
        "StyleEnum": "bachata.moves.vocabulary.STYLES",
        "TempoEnum": "bachata.moves.vocabulary.TEMPOS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bachata.api.schema.add_error_responses",
        "bachata.api.schema.state_body_rules",
    ],
}

# ---- Generation ----
# Unfinished tasks one user may have at once (the legacy cap was global, letting one user block everyone).
GENERATION_MAX_ACTIVE_PER_USER = int(os.environ.get("GENERATION_MAX_ACTIVE_PER_USER", "3"))
# Allow audio links to loopback/private addresses (local development only).
AUDIO_ALLOW_PRIVATE_HOSTS = env_bool("AUDIO_ALLOW_PRIVATE_HOSTS", False)
# gs:// song links may name only these buckets (readable by everyone; the job reads them with its own
# credentials). Empty: gs:// links are refused (docs/security.md).
AUDIO_GCS_ALLOWED_BUCKETS = env_list("AUDIO_GCS_ALLOWED_BUCKETS")
# Local launcher: jobs that may run at once on this machine (extra tasks wait as `queued`), and their logs.
LOCAL_JOB_MAX_CONCURRENCY = int(os.environ.get("LOCAL_JOB_MAX_CONCURRENCY", "2"))
# Which job processes share those slots: empty = every deployment on this host using the same database.
LOCAL_JOB_DEPLOYMENT = os.environ.get("LOCAL_JOB_DEPLOYMENT", "")
JOB_LOG_DIR = os.environ.get("JOB_LOG_DIR", str(REPO_ROOT / "var" / "logs"))
# Cloud Run Jobs launcher (JOB_LAUNCHER=bachata.choreography.cloudrun_launcher.CloudRunJobLauncher).
CLOUD_RUN_PROJECT = os.environ.get("CLOUD_RUN_PROJECT", "")
CLOUD_RUN_REGION = os.environ.get("CLOUD_RUN_REGION", "")
CLOUD_RUN_JOB = os.environ.get("CLOUD_RUN_JOB", "")
# Empty: Google's endpoint; http://…: a local peer speaking the same REST API (tests, emulators).
CLOUD_RUN_API_ENDPOINT = os.environ.get("CLOUD_RUN_API_ENDPOINT", "")
CLOUD_RUN_TASK_TIMEOUT_SECONDS = int(os.environ.get("CLOUD_RUN_TASK_TIMEOUT_SECONDS", "600"))

# ---- Adapters: storage, natural-language query parser, move index (see backend/.env.example) ----
# bachata.storage: where media lives. local = files under MEDIA_ROOT; gcs = an existing bucket (credentials
# from the environment; STORAGE_EMULATOR_HOST points the client at an emulator).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")  # local | gcs
GCS_BUCKET = os.environ.get("GCS_BUCKET", "")
STORAGE_SIGNED_URL_SECONDS = int(os.environ.get("STORAGE_SIGNED_URL_SECONDS", "3600"))
# 0: the API streams GCS media itself instead of redirecting to signed URLs (emulators, compose.yaml).
STORAGE_SIGNED_URLS = env_bool("STORAGE_SIGNED_URLS", True)
# bachata.queryparser: auto = Gemini when GEMINI_API_KEY is set, else the rule-based parser.
QUERY_PARSER = os.environ.get("QUERY_PARSER", "auto")  # auto | rules | gemini
GEMINI_API_KEY = os.environ.get("GEMINI_API_KEY", "")
GEMINI_MODEL = os.environ.get("GEMINI_MODEL", "gemini-2.5-flash")
GEMINI_BASE_URL = os.environ.get("GEMINI_BASE_URL", "")  # empty: Google's endpoint
GEMINI_TIMEOUT_SECONDS = float(os.environ.get("GEMINI_TIMEOUT_SECONDS", "10"))
# bachata.moves: local = a JSON file of move documents searched in-process; elasticsearch = the legacy index.
MOVE_INDEX = os.environ.get("MOVE_INDEX", "local")  # local | elasticsearch
MOVE_INDEX_PATH = Path(os.environ.get("MOVE_INDEX_PATH", REPO_ROOT / "var" / "moves" / "move_index.json"))
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200")
ELASTICSEARCH_API_KEY = os.environ.get("ELASTICSEARCH_API_KEY", "")
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "bachata_move_embeddings")
# ---- end of adapters ----

# ---- Songs ----
SONG_UPLOAD_MAX_BYTES = int(os.environ.get("SONG_UPLOAD_MAX_BYTES", str(30 * 1024 * 1024)))
SONG_MAX_SECONDS = int(os.environ.get("SONG_MAX_SECONDS", str(10 * 60)))
# Shorter songs are refused at upload (and by the job): too short to plan a single eight-count on.
SONG_MIN_SECONDS = float(os.environ.get("SONG_MIN_SECONDS", "10"))

# ---- The video job ----
# The move library the job plans from: an ingested folder (move_index.json) or a raw one (annotations.json);
# empty: the generated demo library (made once into VIDEOJOB_CACHE_DIR).
VIDEOJOB_LIBRARY = os.environ.get("VIDEOJOB_LIBRARY", "")
