"""Service settings, read from the environment (and a local `.env` file) by pydantic-settings."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./aftersales.db"
    broadcast_url: str = "memory://"
    # Required in production; elsewhere generated once and kept in `secret_key_file`.
    secret_key: str | None = None
    secret_key_file: Path = Path(".aftersales-secret")
    token_ttl_minutes: int = Field(default=12 * 60, ge=1)

    graphiql: bool = True
    introspection: bool = True
    max_query_depth: int = Field(default=10, ge=2)
    max_query_tokens: int = Field(default=2000, ge=50)
    max_aliases: int = Field(default=15, ge=1)
    default_page_size: int = Field(default=20, ge=1)
    max_page_size: int = Field(default=100, ge=1)
    max_subscriptions_per_connection: int = Field(default=10, ge=1)
    # Live events: how often each process reads the event table even without a wake-up,
    # and how many undelivered events one subscriber may have queued before it is dropped.
    event_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    subscriber_queue_size: int = Field(default=1000, ge=10)

    login_attempts: int = Field(default=5, ge=1)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> Settings:
        if self.environment == "production":
            if not self.secret_key or len(self.secret_key) < 32:
                raise ValueError("SECRET_KEY (at least 32 characters) is required in production")
            # Introspection, GraphiQL and suggestions are development aids only.
            self.graphiql = False
            self.introspection = False
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def signing_key(self) -> str:
        """The token signing key; outside production, generated once and kept on disk."""
        if self.secret_key:
            return self.secret_key
        path = self.secret_key_file
        if path.exists() and (existing := path.read_text().strip()):
            return existing
        key = secrets.token_urlsafe(48)
        # Created private from the start, never briefly readable by others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
