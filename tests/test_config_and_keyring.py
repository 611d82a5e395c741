"""Workstation settings (INI, versioned, no password) and the keyring rules."""

from __future__ import annotations

from typing import ClassVar

import keyring
import pytest
from keyring.backends import fail

from gxq_desktop import config, paths
from gxq_desktop.config import DatabaseSettings, Settings
from gxq_desktop.services import connection

from .conftest import MemoryKeyring


def test_settings_round_trip_in_the_basedir() -> None:
    s = Settings(
        database=DatabaseSettings(
            kind="postgresql", host="10.0.0.5", port=5433, database="gxq", username="clerk"
        ),
        last_username="luru",
    )
    config.save(s)
    assert paths.settings_file().is_relative_to(paths.config_dir())
    loaded = config.load()
    assert loaded.database == s.database and loaded.last_username == "luru"
    text = paths.settings_file().read_text(encoding="utf-8")
    assert "settings_version = 1" in text


def test_missing_or_old_settings_file_gets_defaults_and_version() -> None:
    paths.settings_file().write_text("[general]\nlast_username = old\n", encoding="utf-8")
    s = config.load()
    assert s.last_username == "old" and s.database.kind == "sqlite"
    assert s.database.effective_sqlite_path() == paths.default_sqlite_path()


def test_password_goes_to_the_keyring_never_the_ini(memory_keyring: MemoryKeyring) -> None:
    db = DatabaseSettings(kind="postgresql", host="db.local", port=5432, database="gxq", username="u1")
    assert connection.store_password(db, "s3cret-PW")
    config.save(Settings(database=db))
    assert "s3cret-PW" not in paths.settings_file().read_text(encoding="utf-8")
    assert memory_keyring.store[(connection.KEYRING_SERVICE, "u1@db.local:5432/gxq")] == "s3cret-PW"
    assert connection.load_password(db) == "s3cret-PW"
    connection.forget_password(db)
    assert connection.load_password(db) is None


def test_no_secure_backend_means_nothing_is_stored() -> None:
    keyring.set_keyring(fail.Keyring())
    db = DatabaseSettings(kind="postgresql")
    assert not connection.secure_keyring_available()
    assert connection.store_password(db, "pw") is False
    assert connection.load_password(db) is None


def test_plaintext_backend_is_not_considered_secure() -> None:
    alt = pytest.importorskip("keyrings.alt.file")
    assert not connection.secure_keyring_available(alt.PlaintextKeyring())


def test_open_configured_asks_for_the_password_when_none_is_stored() -> None:
    keyring.set_keyring(fail.Keyring())
    asked: list[bool] = []

    def ask() -> str:
        asked.append(True)
        return "typed-pw"

    db = connection.open_configured(DatabaseSettings(kind="postgresql", host="h", username="u"), ask)
    assert asked == [True]
    assert db.url.password == "typed-pw" and db.url.host == "h"
    assert db.location_label == "共享 h:5432/gxq"


def test_url_is_built_safely_with_special_characters() -> None:
    url = connection.url_for(
        DatabaseSettings(kind="postgresql", username="u@x", database="d/b"), "p@ss:/word"
    )
    assert url.password == "p@ss:/word" and url.username == "u@x" and url.database == "d/b"


def test_chain_with_a_plaintext_member_is_not_secure(memory_keyring: MemoryKeyring) -> None:
    alt = pytest.importorskip("keyrings.alt.file")
    from keyring.backends.chainer import ChainerBackend

    class Chain(ChainerBackend):
        members: ClassVar[list[object]] = []

        @property  # type: ignore[override]
        def backends(self) -> list[object]:
            return self.members

    chain = Chain()
    chain.members = [memory_keyring, alt.PlaintextKeyring()]
    assert not connection.secure_keyring_available(chain)
    chain.members = [memory_keyring]
    assert connection.secure_keyring_available(chain)
