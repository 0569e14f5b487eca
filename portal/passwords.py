"""argon2id password hashing with explicit parameters, and whether a stored hash needs them renewed.

Must not log or return the password; verification never says which part (account or password) was wrong.
"""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id, RFC 9106 "low memory" profile (t=3, m=64 MiB, p=4), pinned here rather than left to the library's
# default: a change of these is a deliberate one, and a hash made with other parameters is renewed at login.
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)
# Verified when the e-mail is unknown, so a wrong account costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("uchet-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash or _DUMMY_HASH, password)) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters (or another argon2 type) than PARAMETERS."""
    try:
        return bool(_hasher.check_needs_rehash(password_hash))
    except InvalidHashError:
        return False  # it cannot have verified either
