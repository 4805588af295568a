"""Password rules and hashing (argon2id at OWASP's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import Type

from domain.errors import BadUserInput

MIN_LENGTH = 8
MAX_LENGTH = 128

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)

# Verified against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def check_new_password(password: str, *, username: str, field: str = "password") -> None:
    """NIST SP 800-63B style: length matters, composition rules do not."""
    if len(password) < MIN_LENGTH:
        raise BadUserInput(f"must be at least {MIN_LENGTH} characters", field=field)
    if len(password) > MAX_LENGTH:
        raise BadUserInput(f"must be at most {MAX_LENGTH} characters", field=field)
    if password.strip() == "":
        raise BadUserInput("must not be blank", field=field)
    if password.lower() == username.lower():
        raise BadUserInput("must not be the same as the username", field=field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        # An unknown user (or a blank hash) still costs one verification, then fails.
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
