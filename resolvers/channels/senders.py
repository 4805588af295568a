"""Sending one message by one channel: WeChat Work, a webhook, e-mail. Each returns a
`Result` (domain.channels.delivery): SENT, RETRY (later, with backoff) or GIVE_UP.
Nothing here raises for a failed send, and no secret ever goes into a result's text.

WeChat Work is spoken with httpx directly: the API is two JSON calls, and the Python
clients that exist (wechatpy) are synchronous (requests) — a thread per send for two
calls is more machinery than the calls themselves."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx

from domain.channels import webhooks, wecom
from domain.channels.addresses import check_public, check_url
from domain.channels.config import WECOM_API, ChannelKind
from domain.channels.delivery import Outcome, Result
from domain.errors import BadUserInput

log = logging.getLogger("aftersales.channels")

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SMTP_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Message:
    """What a delivery says, whatever carries it."""

    delivery_id: str
    event_type: str
    at: str
    title: str
    description: str
    url: str
    ticket: dict[str, Any] | None = None
    notification: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A channel as a sender needs it: its kind, its configuration and secrets."""

    id: int
    kind: ChannelKind
    config: dict[str, Any]
    secrets: dict[str, str]


@dataclass
class _Token:
    value: str
    expires: float


@dataclass
class Senders:
    """One per process: an HTTP client and the WeChat Work tokens it holds."""

    allow_private: bool
    client: httpx.AsyncClient = field(
        default_factory=lambda: httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
    )
    _tokens: dict[tuple[str, str], _Token] = field(default_factory=dict)
    _token_locks: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict)

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, target: Target, address: str | None, message: Message) -> Result:
        result = await self._send(target, address, message)
        # No secret ever reaches the delivery log (an error may quote a URL).
        detail = result.detail
        for secret in target.secrets.values():
            if secret:
                detail = detail.replace(secret, "***")
        return Result(result.outcome, detail, result.retry_after)

    async def _send(self, target: Target, address: str | None, message: Message) -> Result:
        try:
            if target.kind is ChannelKind.WEBHOOK:
                return await self._webhook(target, message)
            if address is None:
                return Result(Outcome.GIVE_UP, "the recipient has no address for this channel")
            if target.kind is ChannelKind.WECOM:
                return await self._wecom(target, address, message)
            return await self._email(target, address, message)
        except BadUserInput as exc:
            return Result(Outcome.GIVE_UP, exc.message)
        except (httpx.TimeoutException, TimeoutError):
            return Result(Outcome.RETRY, "timed out")
        except (httpx.HTTPError, OSError, aiosmtplib.SMTPException) as exc:
            return Result(Outcome.RETRY, f"{type(exc).__name__}: {_short(str(exc))}")

    # -- addresses ----------------------------------------------------------------

    async def _check_host(self, host: str, port: int | None, field_name: str) -> None:
        if self.allow_private:
            return
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port or 443, type=socket.SOCK_STREAM
            )
        except socket.gaierror:
            raise BadUserInput(f"{host} does not resolve", field=field_name) from None
        check_public(host, [info[4][0] for info in found], field_name)

    async def check_url(self, url: str, field_name: str) -> None:
        _, host = check_url(url, field_name)
        await self._check_host(host, httpx.URL(url).port, field_name)

    async def check_destination(self, kind: ChannelKind, config: dict[str, Any]) -> None:
        """Where a channel would send is an address the service may reach
        (BAD_USER_INPUT naming the field otherwise)."""
        if kind is ChannelKind.WEBHOOK:
            await self.check_url(config["url"], "config.url")
        elif kind is ChannelKind.WECOM:
            await self.check_url(config.get("apiBase") or WECOM_API, "config.apiBase")
        else:
            await self._check_host(config["host"], config.get("port"), "config.host")

    # -- webhooks -----------------------------------------------------------------

    async def _webhook(self, target: Target, message: Message) -> Result:
        url = target.config["url"]
        await self.check_url(url, "config.url")
        raw = webhooks.body(
            message.delivery_id,
            message.event_type,
            message.at,
            message.ticket,
            message.notification,
        )
        headers = webhooks.headers(
            message.delivery_id, message.event_type, target.secrets.get("secret", ""), raw
        )
        response = await self.client.post(url, content=raw, headers=headers)
        if 200 <= response.status_code < 300:
            return Result(Outcome.SENT, f"HTTP {response.status_code}")
        detail = f"HTTP {response.status_code}"
        if 300 <= response.status_code < 400:
            return Result(Outcome.GIVE_UP, f"{detail}: redirects are not followed")
        if response.status_code in (408, 425, 429) or response.status_code >= 500:
            return Result(Outcome.RETRY, detail, _retry_after(response))
        # Another 4xx: the receiver refuses this message as it is; it may be mended
        # there, so try again later (bounded by maxAttempts).
        return Result(Outcome.RETRY, detail)

    # -- WeChat Work --------------------------------------------------------------

    async def _token(self, target: Target, fresh: bool) -> str | Result:
        base = target.config.get("apiBase") or WECOM_API
        key = (base, target.config["corpId"])
        lock = self._token_locks.setdefault(key, asyncio.Lock())
        async with lock:
            held = self._tokens.get(key)
            if held is not None and not fresh and held.expires > time.monotonic():
                return held.value
            response = await self.client.get(
                f"{base.rstrip('/')}/cgi-bin/gettoken",
                params={
                    "corpid": target.config["corpId"],
                    "corpsecret": target.secrets.get("corpSecret", ""),
                },
            )
            answer = _json(response)
            if answer is None:
                return Result(Outcome.RETRY, f"gettoken: HTTP {response.status_code}")
            code = int(answer.get("errcode", 0))
            if code != 0:
                outcome = wecom.verdict(code)
                what = Outcome.GIVE_UP if outcome is wecom.Verdict.GIVE_UP else Outcome.RETRY
                return Result(
                    what, f"gettoken errcode {code}: {_short(str(answer.get('errmsg', '')))}"
                )
            lifetime = timedelta(seconds=int(answer.get("expires_in", 7200))) - wecom.TOKEN_MARGIN
            self._tokens[key] = _Token(
                str(answer["access_token"]), time.monotonic() + max(lifetime.total_seconds(), 0)
            )
            return self._tokens[key].value

    async def _wecom(self, target: Target, address: str, message: Message) -> Result:
        base = target.config.get("apiBase") or WECOM_API
        await self.check_url(base, "config.apiBase")
        body = wecom.textcard(
            address, int(target.config["agentId"]), message.title, message.description, message.url
        )
        for fresh in (False, True):
            token = await self._token(target, fresh)
            if isinstance(token, Result):
                return token
            response = await self.client.post(
                f"{base.rstrip('/')}/cgi-bin/message/send",
                params={"access_token": token},
                json=body,
            )
            answer = _json(response)
            if answer is None:
                return Result(Outcome.RETRY, f"message/send: HTTP {response.status_code}")
            code = int(answer.get("errcode", 0))
            verdict = wecom.verdict(code)
            if verdict is wecom.Verdict.NEW_TOKEN and not fresh:
                continue  # the token expired early (or was revoked): get another, once
            errmsg = _short(str(answer.get("errmsg", "")))
            if verdict is wecom.Verdict.OK:
                if invalid := wecom.invalid_users(answer):
                    return Result(Outcome.GIVE_UP, f"unknown WeChat Work user: {invalid}")
                return Result(Outcome.SENT, "errcode 0")
            if verdict is wecom.Verdict.GIVE_UP:
                return Result(Outcome.GIVE_UP, f"errcode {code}: {errmsg}")
            # Rate limits and a busy system: later, by the usual backoff.
            return Result(Outcome.RETRY, f"errcode {code}: {errmsg}")
        return Result(Outcome.RETRY, "the access token was refused twice")

    # -- e-mail -------------------------------------------------------------------

    async def _email(self, target: Target, address: str, message: Message) -> Result:
        config = target.config
        await self._check_host(config["host"], config.get("port"), "config.host")
        mail = EmailMessage()
        mail["From"] = config["from"]
        mail["To"] = address
        mail["Subject"] = message.title
        mail.set_content(f"{message.description}\n\n{message.url}\n")
        await aiosmtplib.send(
            mail,
            hostname=config["host"],
            port=int(config.get("port", 587)),
            start_tls=bool(config.get("startTls", True)),
            username=config.get("username"),
            password=target.secrets.get("password"),
            timeout=SMTP_TIMEOUT,
        )
        return Result(Outcome.SENT, "accepted by the SMTP server")


def _json(response: httpx.Response) -> dict[str, Any] | None:
    if response.status_code != 200:
        return None
    try:
        decoded = response.json()
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _retry_after(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("retry-after", "")
    return timedelta(seconds=min(int(value), 3600)) if value.isdigit() else None


def _short(text: str) -> str:
    return text.replace("\n", " ")[:300]
