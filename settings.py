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

    # The job runner (resolvers/automation/runner.py): how often due work (SLA clocks,
    # automatic close, maintenance plans, reminders) is looked for; exactly one process
    # acts per tick. `run_jobs` false leaves it to `aftersales run-jobs` (cron).
    job_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    run_jobs: bool = True

    # Query cost (schema/cost.py): the estimated number of objects a document may
    # resolve, every list counted at its `first` (or the page size) through nesting.
    max_query_cost: int = Field(default=50_000, ge=100)

    # Logins (NIST 800-63B): `login_attempts` wrong passwords in a row make the account
    # wait `lockout_minutes`, doubled on each repeat (capped at a day); an admin or
    # `aftersales unlock-user` lifts it at once. Per address: at most
    # `login_ip_attempts` failed logins per `lockout_minutes`.
    login_attempts: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    login_ip_attempts: int = Field(default=100, ge=1)

    # Rate limits (token buckets: a sustained rate and a burst). HTTP requests per
    # user (or per address before login); websocket messages per connection, pings
    # and messages before connection_init included.
    http_requests_per_second: float = Field(default=50.0, gt=0)
    http_burst: int = Field(default=500, ge=1)
    ws_messages_per_second: float = Field(default=10.0, gt=0)
    ws_burst: int = Field(default=40, ge=1)
    # Seconds a websocket may take to send connection_init before it is closed (4408).
    ws_init_timeout_seconds: float = Field(default=10.0, gt=0)
    # A subscriber whose socket does not take a message within this is closed (4413).
    ws_send_timeout_seconds: float = Field(default=10.0, gt=0)

    # Fail fast, never starve: the pool is sized here, waiting for a connection and
    # every statement are bounded, and so is a whole HTTP request.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_seconds: float = Field(default=15.0, gt=0)
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    # What SERVICE_UNAVAILABLE tells a client to wait before retrying.
    retry_after_seconds: int = Field(default=5, ge=1)

    # Malformed input: the largest request body (a part import of 20,000 rows in base64
    # is a few MB) and the deepest JSON nesting a body or `variables` may have.
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_json_depth: int = Field(default=32, ge=4)

    # Attachments (photos, documents, signatures): a local directory by default, an
    # S3-compatible bucket when FILES_S3_URL is set (`s3://bucket/prefix`, or
    # `https://key:secret@host:port/bucket/prefix` for MinIO and the like). Types are
    # decided by sniffing the content, never by the name a client gives.
    files_dir: Path = Path("./files")
    files_s3_url: str | None = None
    files_s3_region: str = "us-east-1"
    files_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    files_max_per_ticket: int = Field(default=200, ge=1)
    files_max_per_request: int = Field(default=10, ge=1)
    files_max_image_pixels: int = Field(default=50_000_000, ge=10_000)
    files_allowed_types: list[str] = [
        "image/jpeg",
        "image/png",
        "image/webp",
        "application/pdf",
    ]
    # The service report (服务单): whose name heads it, and the CJK TrueType font it
    # embeds (by default the first of the usual system paths: fonts-wqy-microhei...).
    company_name: str = "Aftersales Service"
    report_font: Path | None = None

    # Channels outside the app (WeChat Work, webhooks, e-mail): deliveries run in one
    # process at a time (a lease), looking for new events every `delivery_poll_seconds`.
    # `public_url` is where the links in messages point. Outgoing addresses in loopback
    # or private ranges are refused unless `webhook_allow_private`.
    run_deliveries: bool = True
    delivery_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # The first wait after a failed try; each next one doubles (capped at 5 minutes).
    delivery_backoff_seconds: float = Field(default=1.0, gt=0, le=600)
    public_url: str = "http://127.0.0.1:8000"
    webhook_allow_private: bool = False

    # /metrics: open outside production; in production it needs `Authorization: Bearer
    # <METRICS_TOKEN>` (without a token it answers 404).
    metrics_token: str | None = None
    # Addresses whose X-Forwarded-For / X-Forwarded-Proto are believed (comma separated,
    # "*" for any); by default nobody's: the audit log records the peer address.
    forwarded_allow_ips: str = ""

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
