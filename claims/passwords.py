"""Password policy and hashing (argon2id); no Flask, no database."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from claims.errors import ValidationError
from claims.models import PASSWORD_MAX, PASSWORD_MIN

# argon2-cffi's RFC 9106 low-memory profile: argon2id, t=3, m=64 MiB, p=4.
_hasher = PasswordHasher()
_COMMON_LIST = Path(__file__).parent / "data" / "common-passwords.txt.gz"
# Verified against when the username does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_LIST, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def check_policy(password: str) -> None:
    """Refuse a password that is too short, too long, or on the common-password list.

    Raises ValidationError naming the rule that failed.
    """
    if len(password) < PASSWORD_MIN:
        raise ValidationError(
            f"Use at least {PASSWORD_MIN} characters; a few words make a good password.",
            field="password",
        )
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"Use at most {PASSWORD_MAX} characters.", field="password")
    if "\x00" in password:
        raise ValidationError("The password contains a NUL character.", field="password")
    if password.lower() in _common_passwords():
        raise ValidationError(
            "This password is on a list of commonly used passwords; choose another.",
            field="password",
        )


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash in constant-ish time (a dummy hash when None)."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
