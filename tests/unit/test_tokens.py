"""Signed bearer tokens (resolvers.tokens)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from domain.errors import Unauthenticated
from resolvers.accounts.tokens import issue_token, read_token

KEY = "k" * 64
OTHER_KEY = "o" * 64


def now() -> datetime:
    return datetime.now(UTC)


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": "aftersales",
        "sub": "7",
        "ver": 3,
        "iat": now(),
        "exp": now() + timedelta(minutes=10),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def crafted(key: str = KEY, algorithm: str = "HS256", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), key, algorithm=algorithm)


def assert_refused(token: str, key: str = KEY) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as info:
        read_token(key, token)
    assert info.value.code == "UNAUTHENTICATED"
    return info.value


def test_round_trip() -> None:
    token = issue_token(KEY, user_id=7, token_version=3, ttl_minutes=10)
    assert read_token(KEY, token)[:2] == (7, 3)


def test_issued_claims() -> None:
    token = issue_token(KEY, user_id=7, token_version=0, ttl_minutes=30)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"
    decoded = jwt.decode(token, KEY, algorithms=["HS256"], issuer="aftersales")
    assert decoded["sub"] == "7"
    assert decoded["ver"] == 0
    lifetime = decoded["exp"] - decoded["iat"]
    assert 30 * 60 - 2 <= lifetime <= 30 * 60 + 2


def test_crafted_valid_token_is_read() -> None:
    # Sanity check for the crafting helper used by the refusals below.
    assert read_token(KEY, crafted())[:2] == (7, 3)


def test_wrong_key() -> None:
    token = issue_token(KEY, user_id=7, token_version=3, ttl_minutes=10)
    assert_refused(token, key=OTHER_KEY)


def test_tampered_payload() -> None:
    token = issue_token(KEY, user_id=7, token_version=3, ttl_minutes=10)
    header, _, signature = token.split(".")
    forged = base64.urlsafe_b64encode(
        json.dumps({"iss": "aftersales", "sub": "1", "ver": 3, "iat": 0, "exp": 2**40}).encode()
    )
    assert_refused(f"{header}.{forged.decode().rstrip('=')}.{signature}")


def test_expired() -> None:
    error = assert_refused(
        crafted(iat=now() - timedelta(hours=2), exp=now() - timedelta(minutes=5))
    )
    assert "expired" in error.message


def test_wrong_issuer() -> None:
    assert_refused(crafted(iss="someone-else"))


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "iss", "ver"])
def test_missing_claims(missing: str) -> None:
    token = jwt.encode({k: v for k, v in claims().items() if k != missing}, KEY, algorithm="HS256")
    assert_refused(token)


@pytest.mark.parametrize("sub", ["abc", "", "1.5"])
def test_non_numeric_subject(sub: str) -> None:
    assert_refused(crafted(sub=sub))


@pytest.mark.parametrize("ver", ["abc", [1], {"a": 1}, 1.5, "1", True])
def test_non_numeric_version(ver: Any) -> None:
    assert_refused(crafted(ver=ver))


def test_alg_none() -> None:
    token = jwt.encode(claims(), None, algorithm="none")
    assert jwt.get_unverified_header(token)["alg"] == "none"
    assert_refused(token)


def test_other_hmac_algorithm_with_the_right_key() -> None:
    assert_refused(crafted(algorithm="HS512"))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b", "...."])
def test_garbage(token: str) -> None:
    assert_refused(token)
