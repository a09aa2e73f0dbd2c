"""Settings from LMS_* environment variables, validated before anything else starts."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production", "testing")
#: One year, as browsers' preload lists expect.
HSTS_DEFAULT_MAX_AGE = 365 * 24 * 3600


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


def build_config(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the Flask config from the environment, then the overrides, validated."""
    env = os.environ
    overrides = dict(overrides or {})
    environment = overrides.pop("LMS_ENV", env.get("LMS_ENV", "development"))
    if overrides.get("TESTING"):
        environment = "testing"
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")

    base_url = env.get("LMS_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    config: dict[str, Any] = {
        "LMS_ENV": environment,
        "LMS_BASE_URL": base_url,
        "LMS_REDIS_URL": env.get("LMS_REDIS_URL") or None,
        "LMS_COURSES_DIR": env.get("LMS_COURSES_DIR", str(ROOT / "courses")),
        "LMS_CERTIFICATES_DIR": env.get("LMS_CERTIFICATES_DIR", str(ROOT / "certificates")),
        "LMS_SIGNING_KEY": env.get("LMS_SIGNING_KEY") or None,
        "LMS_ISSUER_NAME": env.get("LMS_ISSUER_NAME", "Lantern Peer Support Program"),
        # The organisation's own website, named in the issuer profile (default: this site).
        "LMS_ISSUER_URL": (env.get("LMS_ISSUER_URL") or base_url).rstrip("/"),
        # Optional did:web identifier for the issuer, for wallets and issuer registries.
        "LMS_ISSUER_DID": env.get("LMS_ISSUER_DID") or None,
        # Everyone's time zone until they choose their own on the account page.
        "LMS_TIME_ZONE": env.get("LMS_TIME_ZONE") or "UTC",
        "SQLALCHEMY_DATABASE_URI": env.get("LMS_DATABASE_URL")
        or f"sqlite:///{instance_path / 'lantern.sqlite3'}",
        "SECRET_KEY": env.get("LMS_SECRET_KEY") or None,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # X-RateLimit-* headers cost a storage read on every limited request; 429s still carry
        # Retry-After (lms/ratelimits.py).
        "RATELIMIT_HEADERS_ENABLED": False,
        "INVITE_MAX_AGE_SECONDS": 7 * 24 * 3600,
        # Failed sign-ins per client address: only the client that failed is slowed.
        "LOGIN_RATE_LIMIT": env.get("LMS_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # Stays tight when the per-client limit is raised for people sharing one address.
        "LOGIN_PAIR_RATE_LIMIT": env.get("LMS_LOGIN_PAIR_RATE_LIMIT", "5 per minute;20 per hour"),
        # Failed sign-ins for one account from all clients together; past it, every attempt
        # on that account waits LOGIN_ACCOUNT_DELAY seconds (a delay, never a lock).
        "LOGIN_ACCOUNT_THRESHOLD": env.get("LMS_LOGIN_ACCOUNT_THRESHOLD", "100 per hour"),
        "LOGIN_ACCOUNT_DELAY": _optional_float(env.get("LMS_LOGIN_ACCOUNT_DELAY"),
                                               "LMS_LOGIN_ACCOUNT_DELAY", 1.0),
        # How many proxies (nginx, a load balancer) stand in front and set X-Forwarded-For.
        "LMS_TRUSTED_PROXIES": _optional_int(env.get("LMS_TRUSTED_PROXIES"),
                                             "LMS_TRUSTED_PROXIES", "proxies") or 0,
        # Strict-Transport-Security max-age, sent only when LMS_BASE_URL is https.
        "LMS_HSTS_MAX_AGE": _optional_int(env.get("LMS_HSTS_MAX_AGE"), "LMS_HSTS_MAX_AGE"),
        # Overrides every module's pause after a failed quiz; for demos and browser tests.
        "QUIZ_COOLDOWN_SECONDS": _optional_int(env.get("LMS_QUIZ_COOLDOWN_SECONDS"),
                                               "LMS_QUIZ_COOLDOWN_SECONDS"),
        # How long a process trusts a session it has read (lms/auth/identity.py); at most 5.
        "LMS_IDENTITY_CACHE_SECONDS": _optional_int(env.get("LMS_IDENTITY_CACHE_SECONDS"),
                                                    "LMS_IDENTITY_CACHE_SECONDS"),
        # How long a process serves a verify page it has built (verify_cache.py); at most 10.
        "LMS_VERIFY_CACHE_SECONDS": _optional_int(env.get("LMS_VERIFY_CACHE_SECONDS"),
                                                  "LMS_VERIFY_CACHE_SECONDS"),
        # Who must sign in with a second factor: staff (supervisors and admins), all or none.
        "LMS_REQUIRE_2FA": env.get("LMS_REQUIRE_2FA") or None,
        # Second-factor codes per session; wrong ones beyond this wait (MAX_WRONG_CODES ends it).
        "LMS_2FA_RATE_LIMIT": env.get("LMS_2FA_RATE_LIMIT", "5 per minute"),
    }
    config.update(overrides)
    _check_time_zone(config["LMS_TIME_ZONE"])
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    database_url = config["SQLALCHEMY_DATABASE_URI"]
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(database_url))

    if config["LMS_HSTS_MAX_AGE"] is None:
        config["LMS_HSTS_MAX_AGE"] = HSTS_DEFAULT_MAX_AGE
    if config["LMS_IDENTITY_CACHE_SECONDS"] is None:
        config["LMS_IDENTITY_CACHE_SECONDS"] = 5
    if not 0 <= config["LMS_IDENTITY_CACHE_SECONDS"] <= 5:
        raise ConfigError("LMS_IDENTITY_CACHE_SECONDS must be 0 to 5: a session that ends must "
                          "end on every app server within 5 seconds")
    if config["LMS_VERIFY_CACHE_SECONDS"] is None:
        config["LMS_VERIFY_CACHE_SECONDS"] = 10
    if not 0 <= config["LMS_VERIFY_CACHE_SECONDS"] <= 10:
        raise ConfigError("LMS_VERIFY_CACHE_SECONDS must be 0 to 10: a revocation must show on "
                          "every app server within 10 seconds")

    if config["LMS_REQUIRE_2FA"] is None:
        # Production guards real sign-offs; development and tests start from seeded demo
        # accounts and browser tests that would otherwise all need an authenticator app.
        config["LMS_REQUIRE_2FA"] = "staff" if environment == "production" else "none"
    if config["LMS_REQUIRE_2FA"] not in ("staff", "all", "none"):
        raise ConfigError(f"LMS_REQUIRE_2FA must be staff, all or none, not "
                          f"{config['LMS_REQUIRE_2FA']!r}")

    https = urlsplit(config["LMS_BASE_URL"]).scheme == "https"
    config["SESSION_COOKIE_SECURE"] = https
    config["REMEMBER_COOKIE_SECURE"] = https
    config["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    config.setdefault(
        "RATELIMIT_STORAGE_URI", config["LMS_REDIS_URL"] or "memory://"
    )
    # If Redis goes down, keep limiting per process and log it, rather than lock people out.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)

    if not config["SECRET_KEY"]:
        if environment == "production":
            raise ConfigError(
                "LMS_SECRET_KEY is not set; production needs a long random value "
                '(for example: python3 -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        config["SECRET_KEY"] = development_secret_key(instance_path)
    if environment == "production":
        _check_production_base_url(config["LMS_BASE_URL"], given="LMS_BASE_URL" in env
                                   or "LMS_BASE_URL" in overrides)
    if config["LMS_ISSUER_DID"]:
        _check_issuer_did(config["LMS_ISSUER_DID"], config["LMS_BASE_URL"])
    return config


def did_web_for(base_url: str) -> str:
    """Return the did:web identifier whose DID document this site serves (host, %3A port)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    return f"did:web:{host}" + (f"%3A{parts.port}" if parts.port else "")


def _check_issuer_did(did: str, base_url: str) -> None:
    """Refuse an issuer DID that this site cannot serve at /.well-known/did.json."""
    expected = did_web_for(base_url)
    if did != expected:
        raise ConfigError(f"LMS_ISSUER_DID is {did!r}; Lantern serves a did:web for its own "
                          f"address only, so it must be {expected!r} (from LMS_BASE_URL), "
                          "or unset")


def _check_production_base_url(base_url: str, given: bool) -> None:
    """Refuse a production start whose printed address is missing or not https."""
    # Certificates print this address for good, and cookies are only Secure over https.
    if not given:
        raise ConfigError("LMS_BASE_URL is not set; production needs the public https:// "
                          "address, which is printed on every certificate")
    parts = urlsplit(base_url)
    if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(f"LMS_BASE_URL is {base_url!r}; production needs an https:// address, "
                          "because it is printed on certificates and cookies are only kept "
                          "secure over HTTPS")


def _check_time_zone(name: str) -> None:
    """Refuse a default time zone that the IANA database does not know."""
    from lms.timezones import is_zone

    if not is_zone(name):
        raise ConfigError(f"LMS_TIME_ZONE is {name!r}, which is not an IANA time zone name "
                          "(for example UTC, Europe/London or America/Chicago)")


#: Hosts where plain http is fine even in production: nothing leaves the machine.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _optional_int(value: str | None, name: str, unit: str = "seconds") -> int | None:
    """Return an optional whole-number setting, refusing anything else."""
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        raise ConfigError(f"{name} must be a whole number of {unit}, not {value!r}")
    return int(value)


def _optional_float(value: str | None, name: str, default: float) -> float:
    """Return an optional number of seconds between 0 and 10, or the default."""
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 10:
        raise ConfigError(f"{name} must be a number of seconds from 0 to 10, not {value!r}")
    return number


def normalise_database_url(url: str) -> str:
    """Check the database URL and pin PostgreSQL to the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"LMS_DATABASE_URL is not a database URL: {url!r} "
            "(expected sqlite:///path or postgresql://user@host/db)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend != "sqlite":
        raise ConfigError(
            f"LMS_DATABASE_URL uses {backend!r}; Lantern supports sqlite and postgresql"
        )
    return url


def engine_options(url: str) -> dict[str, Any]:
    """Return engine options: a busy timeout on SQLite, liveness checks on PostgreSQL."""
    if make_url(url).get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}


def development_secret_key(instance_path: Path) -> str:
    """Return the development secret key, generating it once into instance/."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
