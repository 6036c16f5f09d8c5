"""Dashboard accounts and sessions: viewers read, reviewers also curate, admins also manage.

Passwords are hashed with argon2id (argon2-cffi); there are no default accounts. A session is a random
token kept in the browser's cookie; the store keeps only its SHA-256, with the session's CSRF token.

>>> from backfire.store import open_store
>>> store = open_store(":memory:")
>>> _ = add_user(store, "rita", "correct horse battery", "reviewer")
>>> authenticate(store, "rita", "wrong password") is None
True
>>> user = authenticate(store, "rita", "correct horse battery")
>>> user.role, can(user.role, "curate"), can(user.role, "admin")
('reviewer', True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backfire.store import Store, User

ROLES = ("viewer", "reviewer", "admin")
RIGHTS = {"read": 0, "curate": 1, "admin": 2}
MIN_PASSWORD = 10
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("backfire: no such user")


class AccountError(ValueError):
    """An account change that cannot be made (the message says why and what to do)."""


def can(role: str, right: str) -> bool:
    """Whether `role` has `right` (read, curate, admin)."""
    return role in ROLES and ROLES.index(role) >= RIGHTS[right]


def _check(password: str, role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Choose a password of at least {MIN_PASSWORD} characters.")


def add_user(store: Store, name: str, password: str, role: str = "viewer") -> User:
    """Create an account; refuses an existing name, an unknown role and a short password."""
    _check(password, role)
    if not name.strip() or name != name.strip():
        raise AccountError("Give a user name without leading or trailing spaces.")
    if store.user(name) is not None:
        raise AccountError(f"User {name!r} exists; change the password with `backfire users passwd {name}`.")
    user = User(name, role, _hasher.hash(password), datetime.now(UTC))
    store.save_user(user)
    return user


def set_password(store: Store, name: str, password: str, role: str | None = None) -> User:
    """Change a user's password (and role, when given); ends the user's sessions."""
    user = store.user(name)
    if user is None:
        raise AccountError(f"No user {name!r}; add one with `backfire users add {name}`.")
    _check(password, role or user.role)
    changed = User(name, role or user.role, _hasher.hash(password), user.created_at)
    store.save_user(changed)
    store.end_sessions(user=name)
    return changed


def remove_user(store: Store, name: str) -> None:
    if not store.remove_user(name):
        raise AccountError(f"No user {name!r}.")


def has_admin(store: Store) -> bool:
    return any(u.role == "admin" for u in store.users())


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if `password` is theirs (the same work is done for unknown names)."""
    user = store.user(name)
    try:
        _hasher.verify(user.hash if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user: User, hours: float = 12.0) -> tuple[str, str]:
    """A new session for `user`: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.save_session(_digest(token), user.name, csrf, datetime.now(UTC) + timedelta(hours=hours))
    return token, csrf


def session_user(store: Store, token: str | None) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session, or None."""
    if not token:
        return None
    found = store.session(_digest(token), datetime.now(UTC))
    if found is None:
        return None
    user = store.user(found[0])
    return (user, found[1]) if user is not None else None


def end_session(store: Store, token: str | None) -> None:
    if token:
        store.end_sessions(token=_digest(token))


def same_token(expected: str, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
