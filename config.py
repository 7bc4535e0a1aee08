"""Application configuration: defaults, overridden by the environment.

`BOOKING_ENV=production` selects the production settings, which refuse to start without a real
`SECRET_KEY` and without `SERVER_NAME` (mails are rendered outside requests and link to it).
"""

import os
from datetime import timedelta

DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"


def normalise_database_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET)
    # None means: a SQLite file in the instance folder (decided in create_app).
    SQLALCHEMY_DATABASE_URI = (
        normalise_database_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else None
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    LANGUAGES = ("en", "it")
    API_TOKEN_LIFETIME_HOURS = int(os.environ.get("API_TOKEN_LIFETIME_HOURS", "720"))
    # Seconds a booking transaction waits for the locks of the resources it touches.
    BOOKING_LOCK_TIMEOUT_SECONDS = float(os.environ.get("BOOKING_LOCK_TIMEOUT_SECONDS", "10"))
    # Links in mails and calendar feeds made outside a request (the scheduler) need the host.
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # How many reverse proxies in front of the app set X-Forwarded-* (booking/proxies.py).
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "0")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Larger bodies are refused with 413 before they are read: 1 MiB is far above any JSON the
    # API takes and any form of the pages. A future upload form raises it for its own request
    # (Flask's request.max_content_length) rather than for every request.
    MAX_CONTENT_LENGTH = 1024 * 1024
    # "Keep me logged in": the remember-me cookie (Flask-Login), ended with every other login
    # of the user on logout, password change or reset, and deactivation.
    REMEMBER_COOKIE_DURATION = timedelta(
        days=float(os.environ.get("REMEMBER_COOKIE_DURATION_DAYS", "14"))
    )
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Login throttling (services/logins.py): this many failures for one account or from one
    # address within the window make their logins wait until the window has passed.
    LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
    LOGIN_FAILURE_WINDOW_MINUTES = float(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    PASSWORD_RESET_LINK_MINUTES = float(os.environ.get("PASSWORD_RESET_LINK_MINUTES", "60"))
    # Sent only when set (booking/security_headers.py): production, which is served over HTTPS.
    STRICT_TRANSPORT_SECURITY = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    # A year, the host and its subdomains (no preload: that is a commitment to make by hand).
    STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEVELOPMENT_SECRET or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "BOOKING_ENV=production needs SECRET_KEY set to a random value of at least 32 "
                "characters (for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if not cls.SERVER_NAME:
            raise RuntimeError(
                "BOOKING_ENV=production needs SERVER_NAME, the host that links in mails and "
                "calendar feeds point to (for example: booking.example.org)."
            )


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"


def config_for_environment() -> type[Config]:
    if os.environ.get("BOOKING_ENV") == "production":
        ProductionConfig.check()
        return ProductionConfig
    return Config
