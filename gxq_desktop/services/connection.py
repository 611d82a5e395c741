"""Which database to open, and the shared server's password in the system keyring.

The password is stored only with ``keyring`` (Windows Credential Manager on Windows). If no secure
backend exists, nothing is stored and the user is asked at each start: we never fall back to a
plain-text file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from sqlalchemy import URL

from gxq_desktop.config import DatabaseSettings
from gxq_desktop.db.engine import Database, postgres_url, sqlite_url

from .errors import DatabaseError

KEYRING_SERVICE = "GXQ Desktop 数据库"

# Backends that keep secrets in plain files (or nowhere): not acceptable for a password.
_INSECURE_BACKENDS = (
    "keyrings.alt.file",
    "keyring.backends.fail",
    "keyring.backends.null",
    "PlaintextKeyring",
)


def keyring_account(s: DatabaseSettings) -> str:
    return f"{s.username}@{s.host}:{s.port}/{s.database}"


def secure_keyring_available(backend: KeyringBackend | None = None) -> bool:
    """True only if every backend that could receive the password keeps it securely.

    keyring may return a ChainerBackend that writes to the first backend accepting the secret; a
    plain-text backend anywhere in that chain (keyrings.alt makes itself one) disqualifies it.
    """
    backend = backend or keyring.get_keyring()
    chained = getattr(backend, "backends", None)
    if chained is not None:
        return bool(chained) and all(secure_keyring_available(b) for b in chained)
    ident = f"{type(backend).__module__}.{type(backend).__name__}"
    if any(bad in ident for bad in _INSECURE_BACKENDS):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def load_password(s: DatabaseSettings) -> str | None:
    if not secure_keyring_available():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_account(s))
    except keyring.errors.KeyringError:
        return None


def store_password(s: DatabaseSettings, password: str) -> bool:
    """True when stored securely; False when no secure backend exists (caller must ask each time)."""
    if not secure_keyring_available():
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_account(s), password)
    except keyring.errors.KeyringError:
        return False
    return True


def forget_password(s: DatabaseSettings) -> None:
    if not secure_keyring_available():
        return
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(KEYRING_SERVICE, keyring_account(s))


def url_for(s: DatabaseSettings, password: str | None) -> URL:
    if s.kind == "sqlite":
        return sqlite_url(s.effective_sqlite_path())
    if s.kind == "postgresql":
        return postgres_url(s.host, s.port, s.database, s.username, password)
    raise DatabaseError(f"设置文件中的数据库类型“{s.kind}”无效，应为 sqlite 或 postgresql。")


def open_configured(s: DatabaseSettings, ask_password: Callable[[], str | None] | None = None) -> Database:
    if s.kind == "sqlite":
        return Database(url_for(s, None))
    password = load_password(s)
    if password is None and ask_password is not None:
        password = ask_password()
    return Database(url_for(s, password))
