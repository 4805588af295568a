"""Channel secrets at rest: Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`)
under a key derived from SECRET_KEY by HKDF-SHA256, so a database dump alone does not
give away a WeChat Work corp secret, a webhook secret or an SMTP password. Rotating
SECRET_KEY makes stored secrets unreadable: set them again (the channel says so)."""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"aftersales channel secrets v1"


class SecretsUnreadable(Exception):
    """Stored under another SECRET_KEY (or damaged)."""


@lru_cache(maxsize=4)
def _fernet(signing_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(
        signing_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(signing_key: str, secrets: dict[str, str]) -> str | None:
    if not secrets:
        return None
    return _fernet(signing_key).encrypt(json.dumps(secrets).encode()).decode()


def unseal(signing_key: str, sealed: str | None) -> dict[str, str]:
    if not sealed:
        return {}
    try:
        opened = json.loads(_fernet(signing_key).decrypt(sealed.encode()))
    except (InvalidToken, ValueError):
        raise SecretsUnreadable(
            "the channel's secrets were stored under another SECRET_KEY: set them again"
        ) from None
    return {str(k): str(v) for k, v in opened.items()}
