"""Settings: env vars, .env, and generated secrets."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from berrys_app.settings import Settings, normalise_db_url


def test_generated_secret_is_stable_and_private(tmp_path: Path) -> None:
    settings = Settings(BERRYS_DATA_DIR=tmp_path)
    first = settings.secret_key
    assert len(first) >= 40
    assert Settings(BERRYS_DATA_DIR=tmp_path).secret_key == first
    mode = stat.S_IMODE((tmp_path / "secrets" / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_generated_encryption_key_is_a_fernet_key(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    key = Settings(BERRYS_DATA_DIR=tmp_path).encryption_key
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


def test_secret_from_env_wins_and_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-env")
    settings = Settings(BERRYS_DATA_DIR=tmp_path)
    assert settings.secret_key == "from-env"
    assert not (tmp_path / "secrets" / "secret_key").exists()


def test_env_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BERRYS_PORT", "BERRYS_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("BERRYS_PORT=4321\nBERRYS_WORKERS=5\n")
    settings = Settings()
    assert (settings.port, settings.workers) == (4321, 5)


def test_invalid_port_is_refused() -> None:
    with pytest.raises(ValueError, match="BERRYS_PORT"):
        Settings(BERRYS_PORT=70000)


def test_database_url_driver_is_normalised() -> None:
    assert normalise_db_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_db_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_missing_database_url_gives_clear_error() -> None:
    with pytest.raises(RuntimeError, match="DATABASE_URL is not set"):
        Settings(DATABASE_URL=None).require_database_url()


def test_public_url_and_log_levels_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BERRYS_PUBLIC_URL", "BERRYS_LOG_LEVEL", "BERRYS_REFLEX_LOGLEVEL", "BERRYS_PORT"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings()
    assert defaults.public_base_url == "http://localhost:3000"
    assert (defaults.log_level, defaults.reflex_loglevel) == ("WARNING", "warning")
    given = Settings(
        BERRYS_PUBLIC_URL="https://berrys.example.com/", BERRYS_LOG_LEVEL="info", BERRYS_REFLEX_LOGLEVEL="DEBUG"
    )
    assert given.public_base_url == "https://berrys.example.com"
    assert (given.log_level, given.reflex_loglevel) == ("INFO", "debug")
    with pytest.raises(ValueError, match="BERRYS_LOG_LEVEL"):
        Settings(BERRYS_LOG_LEVEL="chatty")
