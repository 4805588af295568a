"""Rules of the channels outside the app (domain.channels)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from domain.channels import webhooks, wecom
from domain.channels.addresses import check_public, check_url, is_public
from domain.channels.config import (
    DEFAULT_MAX_ATTEMPTS,
    WECOM_API,
    ChannelConfig,
    ChannelKind,
    DeliveryStatus,
    check_config,
    check_kinds,
    check_max_attempts,
)
from domain.channels.delivery import (
    BACKOFF_CAP,
    Outcome,
    Result,
    address_of,
    backoff,
    status_after,
    wanted,
)
from domain.errors import BadUserInput


def refused(field: str, call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(BadUserInput) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    assert info.value.extensions.get("field") == field, info.value.message
    return info.value.message


# -- configuration -------------------------------------------------------------------


def test_a_wecom_config_splits_its_secret_and_defaults_its_api() -> None:
    config = check_config(
        ChannelKind.WECOM, {"corpId": "ww1", "corpSecret": "s3cret", "agentId": 1000002}
    )
    assert config.public == {"corpId": "ww1", "agentId": 1000002, "apiBase": WECOM_API}
    assert config.secrets == {"corpSecret": "s3cret"}


def test_an_update_keeps_what_it_leaves_out_secrets_included() -> None:
    current = ChannelConfig({"url": "https://a.example/h"}, {"secret": "old"})
    changed = check_config(ChannelKind.WEBHOOK, {"url": "https://b.example/h"}, current=current)
    assert changed == ChannelConfig({"url": "https://b.example/h"}, {"secret": "old"})
    rotated = check_config(ChannelKind.WEBHOOK, {"secret": "new"}, current=current)
    assert rotated.secrets == {"secret": "new"}


def test_an_optional_field_is_cleared_by_null_a_required_one_is_not() -> None:
    current = ChannelConfig(
        {"host": "smtp.example", "port": 587, "startTls": True, "from": "a@b.c", "username": "u"},
        {"password": "p"},
    )
    cleared = check_config(ChannelKind.EMAIL, {"username": None, "password": None}, current=current)
    assert "username" not in cleared.public and cleared.secrets == {}
    refused("config.host", check_config, ChannelKind.EMAIL, {"host": None}, current=current)


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        (ChannelKind.WEBHOOK, {"url": "https://a.example"}, "config.secret"),
        (ChannelKind.WEBHOOK, {"secret": "s"}, "config.url"),
        (ChannelKind.WECOM, {"corpId": "w", "corpSecret": "s", "agentId": 0}, "config.agentId"),
        (ChannelKind.WECOM, {"corpId": "w", "corpSecret": "s", "agentId": "x"}, "config.agentId"),
        (ChannelKind.EMAIL, {"host": "h", "from": "a@b.c", "port": 70000}, "config.port"),
        (ChannelKind.EMAIL, {"host": "h", "from": "a@b.c", "startTls": "yes"}, "config.startTls"),
        (ChannelKind.EMAIL, {"host": "h\nX", "from": "a@b.c"}, "config.host"),
        (ChannelKind.WEBHOOK, {"url": "https://a", "secret": "s", "extra": 1}, "config"),
    ],
)
def test_bad_configs_name_the_field(kind: ChannelKind, config: dict, field: str) -> None:
    refused(field, check_config, kind, config)


def test_max_attempts_and_kinds() -> None:
    assert check_max_attempts(None) == DEFAULT_MAX_ATTEMPTS
    assert check_max_attempts(3) == 3
    refused("maxAttempts", check_max_attempts, 0)
    refused("maxAttempts", check_max_attempts, 51)
    known = frozenset({"DISPATCHED", "SLA_WARNING"})
    assert check_kinds(None, known, "k") == []
    assert check_kinds(["DISPATCHED", "DISPATCHED"], known, "k") == ["DISPATCHED"]
    assert "NOPE" in refused("k", check_kinds, ["NOPE"], known, "k")


# -- addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example/x",
        "https://",
        "mailto:a@b.c",
        "https://u:p@a.example/x",
        "https://a.example:99999/",
    ],
)
def test_urls_must_be_plain_http(url: str) -> None:
    refused("config.url", check_url, url, "config.url")


def test_private_and_loopback_addresses_are_refused() -> None:
    for address in (
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.5",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ):
        assert not is_public(address), address
    for address in ("8.8.8.8", "2001:4860:4860::8888", "203.119.1.1"):
        assert is_public(address), address
    message = refused("config.url", check_public, "intranet", ["8.8.8.8", "10.0.0.1"], "config.url")
    assert "WEBHOOK_ALLOW_PRIVATE" in message
    refused("config.url", check_public, "nowhere", [], "config.url")
    check_public("example.com", ["93.184.216.34"], "config.url")


# -- delivery ------------------------------------------------------------------------------


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    waits = [backoff(n, rng) for n in range(1, 6)]
    for n, wait in enumerate(waits, start=1):
        nominal = timedelta(seconds=2 ** (n - 1))
        assert nominal * 0.8 <= wait <= nominal * 1.2
    assert backoff(40, rng) <= BACKOFF_CAP * 1.2
    assert backoff(1, rng, base=timedelta(milliseconds=200)) <= timedelta(milliseconds=240)


@pytest.mark.parametrize(
    ("outcome", "attempts", "status"),
    [
        (Outcome.SENT, 5, DeliveryStatus.SENT),
        (Outcome.RETRY, 1, DeliveryStatus.FAILED),
        (Outcome.RETRY, 3, DeliveryStatus.GAVE_UP),
        (Outcome.GIVE_UP, 1, DeliveryStatus.GAVE_UP),
    ],
)
def test_status_after_a_try(outcome: Outcome, attempts: int, status: DeliveryStatus) -> None:
    assert status_after(Result(outcome), attempts, max_attempts=3) is status


def test_who_wants_what() -> None:
    assert wanted([], None, "DISPATCHED")
    assert wanted(["DISPATCHED"], [], "DISPATCHED")
    assert not wanted(["SLA_WARNING"], [], "DISPATCHED")
    assert not wanted([], ["SLA_WARNING"], "DISPATCHED")
    assert address_of(ChannelKind.WECOM, "zhang", "z@x.cn") == "zhang"
    assert address_of(ChannelKind.EMAIL, "zhang", "z@x.cn") == "z@x.cn"
    assert address_of(ChannelKind.WEBHOOK, "zhang", "z@x.cn") is None


# -- WeChat Work and webhooks -----------------------------------------------------------


@pytest.mark.parametrize(
    ("errcode", "verdict"),
    [
        (0, wecom.Verdict.OK),
        (40014, wecom.Verdict.NEW_TOKEN),
        (42001, wecom.Verdict.NEW_TOKEN),
        (45009, wecom.Verdict.RETRY),
        (-1, wecom.Verdict.RETRY),
        (60020, wecom.Verdict.GIVE_UP),
        (81013, wecom.Verdict.GIVE_UP),
        (12345, wecom.Verdict.RETRY),
    ],
)
def test_wecom_errcodes(errcode: int, verdict: wecom.Verdict) -> None:
    assert wecom.verdict(errcode) is verdict


def test_a_textcard_fits_the_api_limits_in_bytes() -> None:
    card = wecom.textcard("zhang", 1000002, "工单" * 100, "描述" * 300, "https://a.example/t/1")
    assert len(card["textcard"]["title"].encode()) <= wecom.TITLE_BYTES
    assert len(card["textcard"]["description"].encode()) <= wecom.DESCRIPTION_BYTES
    assert card["textcard"]["title"].endswith("…")
    assert card["touser"] == "zhang" and card["msgtype"] == "textcard"
    assert wecom.truncated("short", 10) == "short"


def test_a_webhook_signature_is_the_hmac_of_the_raw_body() -> None:
    raw = webhooks.body("D1", "TICKET_CREATED", "2026-12-01T00:00:00+00:00", {"id": "T"}, None)
    headers = webhooks.headers("D1", "TICKET_CREATED", "k", raw)
    import hashlib
    import hmac

    assert (
        headers["X-Aftersales-Signature"]
        == "sha256=" + hmac.new(b"k", raw, hashlib.sha256).hexdigest()
    )
    assert (
        headers["X-Aftersales-Delivery"] == "D1"
        and headers["X-Aftersales-Event"] == "TICKET_CREATED"
    )
