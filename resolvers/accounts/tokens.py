"""Signed bearer tokens (PyJWT, HS256)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import jwt

from domain.errors import Unauthenticated
from persistence.types import utcnow

ALGORITHM = "HS256"
ISSUER = "aftersales"


def issue_token(key: str, *, user_id: int, token_version: int, ttl_minutes: int) -> str:
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "ver": token_version,
        "iat": now,
        "exp": now + timedelta(minutes=ttl_minutes),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


class TokenClaims(NamedTuple):
    user_id: int
    version: int
    expires_at: datetime


def read_token(key: str, token: str) -> TokenClaims:
    """(user id, token version, expiry) from a valid token; UNAUTHENTICATED otherwise."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        version = claims["ver"]
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError("token version is not an integer")
        expires_at = datetime.fromtimestamp(claims["exp"], tz=UTC)
        return TokenClaims(int(claims["sub"]), version, expires_at)
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("token expired; log in again") from exc
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError) as exc:
        raise Unauthenticated("invalid token") from exc
