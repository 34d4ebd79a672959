"""Configuration, read from the environment.

APP_ENV chooses the profile: ``development`` (default), ``production`` or ``testing``.
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))


class ConfigError(RuntimeError):
    """The environment does not describe a runnable application."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def development_secret_key(instance_dir: Path) -> str:
    """Generate a key once per checkout and keep it, so sessions survive restarts."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Config:
    ENV_NAME = "development"
    DEBUG = False
    TESTING = False

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'greensmile.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Unset in development: the host and port being served (greensmile/urls.py). Required in production.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_MB", 16) * 1024 * 1024
    PHOTO_MAX_BYTES = _env_int("PHOTO_MAX_MB", 10) * 1024 * 1024
    # Map tiles: OpenStreetMap's by default (their usage policy asks for the attribution and a light load). Empty:
    # maps draw plots without a background.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    MAP_TILE_ATTRIBUTION = os.environ.get(
        "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')
    # A plot's measured boundary area further than this share from its declared area is flagged for a coordinator.
    BOUNDARY_AREA_TOLERANCE = _env_float("BOUNDARY_AREA_TOLERANCE", 0.25)
    # A plot CSV file: 100,000 rows of Thai text are about 33 MB, more than other forms may send.
    PLOT_IMPORT_MAX_BYTES = _env_int("PLOT_IMPORT_MAX_MB", 64) * 1024 * 1024
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers we trust.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Strict-Transport-Security on every HTTPS answer: browsers then refuse plain http for this long. 0: not sent.
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    # Only for tests and local trials against a fake Stripe server (e.g. http://127.0.0.1:8420).
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    # The Stripe API version this code is written and tested for, sent on every call (see README, Payments).
    STRIPE_API_VERSION = os.environ.get("STRIPE_API_VERSION", "2026-10-28.endive")
    # LINE Messaging API (the network's Official Account): pushes need the channel access token, the webhook checks
    # LINE's signature with the channel secret. Unset: every notification goes by e-mail and the webhook is off.
    LINE_CHANNEL_ACCESS_TOKEN = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", "")
    LINE_CHANNEL_SECRET = os.environ.get("LINE_CHANNEL_SECRET", "")
    # Only for tests and local trials against a fake LINE server.
    LINE_API_URL = os.environ.get("LINE_API_URL", "https://api.line.me")
    # A slip for a direct PromptPay payment that its seller has not confirmed in this many hours goes to the
    # coordinators' reconciliation page.
    SLIP_CONFIRM_HOURS = _env_int("SLIP_CONFIRM_HOURS", 24)
    # A slip-verification provider ("package.module:Class"); none by default: sellers confirm by hand.
    SLIP_VERIFIER = os.environ.get("SLIP_VERIFIER", "")
    # An unpaid online order holds its stock this long, then expires (`flask orders expire`).
    ORDER_PAYMENT_MINUTES = _env_int("ORDER_PAYMENT_MINUTES", 30)
    # The most dry rubber a plot may record in a calendar year, per rai: well above Thailand's average of about
    # 230 kg, so an honest harvest always fits and rubber from elsewhere cannot be passed through a certified plot.
    RUBBER_MAX_DRY_KG_PER_RAI = _env_int("RUBBER_MAX_DRY_KG_PER_RAI", 400)
    # PDPA: days a coordinator has to decide an erasure request (the Act's 30 days for access, kept for erasure too);
    # a personal data download with more rows than this is made by the worker; and how long an erased person's
    # records are kept, pseudonymised, where law or the certification needs them.
    PRIVACY_ERASURE_DAYS = _env_int("PRIVACY_ERASURE_DAYS", 30)
    PRIVACY_EXPORT_INLINE_ROWS = _env_int("PRIVACY_EXPORT_INLINE_ROWS", 5000)
    PRIVACY_KEEP_YEARS = {
        "certification": _env_int("PRIVACY_KEEP_CERTIFICATION_YEARS", 10),
        "accounts": _env_int("PRIVACY_KEEP_ACCOUNTS_YEARS", 5),
        "eudr": _env_int("PRIVACY_KEEP_EUDR_YEARS", 5),
    }
    # The EU Information System takes geolocation files of at most 25 MB: a lot's file larger than this is split.
    EUDR_FILE_MAX_BYTES = _env_int("EUDR_FILE_MAX_BYTES", 25_000_000)
    # Tree valuation: the share of the girth-and-height cylinder a trunk fills (V = f × g² × H ÷ 4π). The network
    # sets it to what its bank's guideline uses; 0.5 until it does.
    TREE_FORM_FACTOR = os.environ.get("TREE_FORM_FACTOR", "0.5")
    # The public impact page is computed at most this often in each worker.
    IMPACT_CACHE_SECONDS = _env_int("IMPACT_CACHE_SECONDS", 120)
    # A girth this much smaller (percent) than the tree's last measurement asks to be confirmed.
    TREE_SHRINK_MARGIN_PERCENT = _env_int("TREE_SHRINK_MARGIN_PERCENT", 5)

    # LINE Login (v2.1, OpenID Connect): unset channel id, no LINE button anywhere and the LINE routes answer 404.
    # The endpoints are LINE's own; tests point them at a local fake.
    LINE_LOGIN_CHANNEL_ID = os.environ.get("LINE_LOGIN_CHANNEL_ID", "")
    LINE_LOGIN_CHANNEL_SECRET = os.environ.get("LINE_LOGIN_CHANNEL_SECRET", "")
    LINE_LOGIN_AUTHORIZE_URL = os.environ.get("LINE_LOGIN_AUTHORIZE_URL", "https://access.line.me/oauth2/v2.1/authorize")
    LINE_LOGIN_TOKEN_URL = os.environ.get("LINE_LOGIN_TOKEN_URL", "https://api.line.me/oauth2/v2.1/token")
    LINE_LOGIN_FRIENDSHIP_URL = os.environ.get("LINE_LOGIN_FRIENDSHIP_URL", "https://api.line.me/friendship/v1/status")
    LINE_LOGIN_ISSUER = os.environ.get("LINE_LOGIN_ISSUER", "https://access.line.me")
    # Only for ES256 ID tokens (LINE's SDKs and LIFF); a web login's token is HS256, signed with the channel secret.
    LINE_LOGIN_JWKS_URL = os.environ.get("LINE_LOGIN_JWKS_URL", "https://api.line.me/oauth2/v2.1/certs")
    # Seconds a call to LINE may take before the sign-in is given up with a message.
    LINE_LOGIN_TIMEOUT = _env_int("LINE_LOGIN_TIMEOUT", 10)

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "1") not in ("0", "false", "no")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Green Smile <no-reply@greensmile.local>")

    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "greensmile" / "translations")
    LANGUAGES = ("th", "en")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "greensmile")
    RATELIMIT_HEADERS_ENABLED = True
    # If Redis goes away, keep counting in memory rather than failing every log-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;30 per hour")
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "5 per 15 minutes")
    # QR page addresses that name no plot, per address: each costs a database read (a real plot's page is kept in
    # Redis and never limited). Generous, as a market's phones may share one carrier address.
    QR_MISS_RATE_LIMIT = os.environ.get("QR_MISS_RATE_LIMIT", "120 per minute")

    # 0: each standard's own validity (12 months for the PGS charter)
    CERTIFICATE_VALIDITY_MONTHS = _env_int("CERTIFICATE_VALIDITY_MONTHS", 0)
    PASSWORD_RESET_MAX_AGE = _env_int("PASSWORD_RESET_MAX_AGE", 3600)
    # argon2id cost: time_cost passes over memory_cost KiB; the defaults follow RFC 9106's second profile.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 64 * 1024)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    def finalise(self) -> None:
        if not self.SECRET_KEY:
            self.SECRET_KEY = development_secret_key(INSTANCE_DIR)


class DevelopmentConfig(Config):
    pass


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def finalise(self) -> None:
        if not self.SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set. In production Green Smile refuses to start without it: "
                "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'` "
                "and put it in the environment."
            )
        if len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY is too short: use at least 32 random characters.")
        if not self.PUBLIC_BASE_URL:
            # Printed QR labels keep their address for years: it must be the one the network chose, never a guess.
            raise ConfigError("PUBLIC_BASE_URL is not set. In production set it to the public address, for example "
                              "https://greensmile.example.org, before any QR code is printed.")
        if self.RATELIMIT_STORAGE_URI.startswith("memory://"):
            logging.getLogger(__name__).warning(
                "REDIS_URL is not set: log-in rate limits are counted per worker process, "
                "so several gunicorn workers allow several times the limit. Set REDIS_URL."
            )


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + str(INSTANCE_DIR / "test.db")
    )
    PUBLIC_BASE_URL = "http://greensmile.test"
    SERVER_NAME = None
    RATELIMIT_STORAGE_URI = "memory://"
    IMPACT_CACHE_SECONDS = 0  # tests see every change at once; one test turns the cache on
    MAIL_SERVER = ""
    # Cheap argon2 parameters keep the suite fast; the algorithm and code path stay the same.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 256
    STRIPE_SECRET_KEY = ""
    STRIPE_PUBLISHABLE_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    LINE_CHANNEL_ACCESS_TOKEN = ""  # tests that push to LINE turn it on against their local fake
    LINE_CHANNEL_SECRET = ""
    LINE_LOGIN_CHANNEL_ID = ""  # tests that use LINE Login turn it on against their local fake
    LINE_LOGIN_CHANNEL_SECRET = ""


PROFILES = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def load_config(override: dict | type | None = None) -> dict:
    """Build the configuration mapping: the APP_ENV profile, then the override."""
    base = PROFILES.get(os.environ.get("APP_ENV", "development"))
    if base is None:
        raise ConfigError(f"APP_ENV must be one of {', '.join(PROFILES)}")
    if isinstance(override, type):
        base, override = override, None
    config = base()
    for key, value in (override or {}).items():
        setattr(config, key, value)
    config.finalise()
    return {key: getattr(config, key) for key in dir(config) if key.isupper()}
