"""Service settings (settings.Settings)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from settings import Settings

STRONG_KEY = "s" * 32


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "SECRET_KEY", "SECRET_KEY_FILE", "GRAPHIQL", "INTROSPECTION"):
        monkeypatch.delenv(name, raising=False)


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def test_production_requires_a_secret_key() -> None:
    with pytest.raises(ValidationError) as info:
        make(environment="production")
    assert "SECRET_KEY" in str(info.value)


@pytest.mark.parametrize("key", ["", "short", "s" * 31])
def test_production_requires_a_long_secret_key(key: str) -> None:
    with pytest.raises(ValidationError):
        make(environment="production", secret_key=key)


def test_production_turns_development_aids_off() -> None:
    settings = make(
        environment="production", secret_key=STRONG_KEY, graphiql=True, introspection=True
    )
    assert settings.is_production
    assert settings.graphiql is False
    assert settings.introspection is False
    assert settings.signing_key() == STRONG_KEY


def test_production_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("GRAPHIQL", "true")
    settings = make()
    assert settings.is_production
    assert settings.graphiql is False


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_aids_stay_on_elsewhere(environment: str) -> None:
    settings = make(environment=environment)
    assert not settings.is_production
    assert settings.graphiql is True
    assert settings.introspection is True


def test_unknown_environment_is_rejected() -> None:
    with pytest.raises(ValidationError):
        make(environment="staging")


def test_signing_key_generated_once_and_kept(tmp_path: Path) -> None:
    key_file = tmp_path / "secret"
    settings = make(secret_key_file=key_file)
    assert not key_file.exists()

    first = settings.signing_key()
    assert len(first) >= 32
    assert key_file.exists()
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    assert settings.signing_key() == first
    # A fresh process (new Settings) reads the same key back.
    assert make(secret_key_file=key_file).signing_key() == first


def test_signing_keys_are_random(tmp_path: Path) -> None:
    one = make(secret_key_file=tmp_path / "one").signing_key()
    two = make(secret_key_file=tmp_path / "two").signing_key()
    assert one != two


def test_explicit_secret_key_wins_and_writes_nothing(tmp_path: Path) -> None:
    key_file = tmp_path / "secret"
    settings = make(secret_key=STRONG_KEY, secret_key_file=key_file)
    assert settings.signing_key() == STRONG_KEY
    assert not key_file.exists()


def test_signing_key_is_never_empty(tmp_path: Path) -> None:
    key_file = tmp_path / "secret"
    key_file.write_text("\n")
    assert make(secret_key_file=key_file).signing_key()
