"""WeChat Work (企业微信) application messages, by its documented server API:
`gettoken?corpid=&corpsecret=` gives an access token valid `expires_in` seconds (7200);
`message/send?access_token=` sends a `textcard` to `touser` for `agentid`. Every answer
carries `errcode` (0: ok) and `errmsg`; what to do about each is decided here."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

# https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
TOKEN_INVALID = frozenset({40014, 42001})  # invalid / expired access_token: get another
RATE_LIMITED = frozenset({45009, 45033, 45047})  # API frequency limits: later
BUSY = frozenset({-1})  # system busy: later
# Trying again cannot help: the IP is not on the app's allow-list, the credentials or
# the agent are wrong, the user is unknown or outside the app's visible range.
FATAL = frozenset({60020, 40001, 40013, 40056, 40003, 81013, 301002, 48002})

TITLE_BYTES = 128
DESCRIPTION_BYTES = 512
URL_BYTES = 2048
# A token is taken as expired this much before its end: a send never races its expiry.
TOKEN_MARGIN = timedelta(minutes=5)


class Verdict(StrEnum):
    OK = "OK"
    NEW_TOKEN = "NEW_TOKEN"
    RETRY = "RETRY"
    GIVE_UP = "GIVE_UP"


def verdict(errcode: int) -> Verdict:
    if errcode == 0:
        return Verdict.OK
    if errcode in TOKEN_INVALID:
        return Verdict.NEW_TOKEN
    if errcode in FATAL:
        return Verdict.GIVE_UP
    # Rate limits, a busy system and anything unknown: later, up to maxAttempts.
    return Verdict.RETRY


def truncated(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut on a character boundary, "…" where cut."""
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    cut = encoded[: limit - len("…".encode())].decode(errors="ignore")
    return cut + "…"


def textcard(touser: str, agent_id: int, title: str, description: str, url: str) -> dict[str, Any]:
    return {
        "touser": touser,
        "msgtype": "textcard",
        "agentid": agent_id,
        "textcard": {
            "title": truncated(title, TITLE_BYTES),
            "description": truncated(description, DESCRIPTION_BYTES),
            "url": truncated(url, URL_BYTES),
            "btntxt": "详情",
        },
    }


def invalid_users(answer: dict[str, Any]) -> str | None:
    """message/send answers 0 with `invaliduser` when a recipient is unknown."""
    users = answer.get("invaliduser")
    return str(users) if users else None
