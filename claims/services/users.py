"""Accounts: creation, authentication, sessions, roles and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta

import peewee

from claims import audit, logs, passwords
from claims.audit import Actor
from claims.db import Prepared, PreparedSelect, db, utcnow
from claims.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    ValidationError,
)
from claims.models import (
    DISPLAY_NAME_MAX,
    ROLES,
    TOKEN_NAME_MAX,
    USERNAME_MAX,
    ApiToken,
    LoginFailure,
    User,
    field_values,
)
from claims.text import one_line

LOGIN_FAILED_MESSAGE = "Invalid username or password."
_USERNAME_RE = re.compile(rf"[\w.@-]{{2,{USERNAME_MAX}}}")
TOKEN_PREFIX = "ct_"  # noqa: S105 - a marker, not a secret


def username_key(username: str) -> str:
    """The form of a username that uniqueness is checked on (NFKC, case-folded)."""
    return unicodedata.normalize("NFKC", username).casefold()


def _clean_username(username: str) -> str:
    name = unicodedata.normalize("NFKC", username.strip())
    # Case folding can lengthen a name ("ß" -> "ss"): the stored key must fit too.
    if not _USERNAME_RE.fullmatch(name) or len(username_key(name)) > USERNAME_MAX:
        raise ValidationError(
            f"A username is 2 to {USERNAME_MAX} letters, digits, dots, dashes, @ or underscores.",
            field="username",
        )
    return name


def _clean_display_name(display_name: str, fallback: str) -> str:
    name = " ".join(display_name.split()) or fallback
    if len(name) > DISPLAY_NAME_MAX or any(unicodedata.category(c) == "Cc" for c in name):
        raise ValidationError(
            f"A display name is at most {DISPLAY_NAME_MAX} printable characters.",
            field="display_name",
        )
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(f"The role must be one of: {', '.join(ROLES)}.", field="role")


def get_user(user_id: int) -> User:
    """Return a user by id. Raises NotFoundError if there is none."""
    user = user_by_id(user_id)
    if user is None:
        raise NotFoundError("No such user.")
    return user


def find_user(username: str) -> User:
    """Return a user by username (any spelling). Raises NotFoundError if there is none."""
    user = User.get_or_none(User.username_key == username_key(username))
    if user is None:
        raise NotFoundError(f"No user named {username!r}.")
    return user


def first_admin() -> User:
    """The longest-standing active admin. Raises NotFoundError if there is none."""
    user = (
        User.select()
        .where((User.role == "admin") & (User.active == True))  # noqa: E712
        .order_by(User.id)
        .first()
    )
    if user is None:
        raise NotFoundError("There is no active admin; name a user with --as.")
    return user


def list_users() -> peewee.ModelSelect[User]:
    """All accounts, by username."""
    return User.select().order_by(User.username_key)


def active_accounts() -> list[User]:
    """The active accounts, by name, with ids and names only: whom a claim can be assigned
    to, and whose claims a search can be narrowed to."""
    return _ACTIVE_ACCOUNTS()


_ACTIVE_ACCOUNTS = PreparedSelect(
    lambda: (
        User.select(User.id, User.display_name, User.username)
        .where(User.active == True)  # noqa: E712
        .order_by(User.display_name, User.username_key)
    )
)


def create_user(
    actor: Actor, username: str, password: str, role: str, display_name: str = ""
) -> User:
    """Create an account.

    Raises ValidationError for a bad username, role or password, ConflictError if the username
    (in any spelling) is taken.
    """
    name = _clean_username(username)
    display = _clean_display_name(display_name, name)
    _check_role(role)
    passwords.check_policy(password)
    password_hash = passwords.hash_password(password)
    with db.atomic():
        try:
            # A savepoint, so that only a clash of usernames reads as "taken".
            with db.atomic():
                user = User.create(
                    username=name,
                    username_key=username_key(name),
                    display_name=display,
                    password_hash=password_hash,
                    role=role,
                )
        except peewee.IntegrityError as exc:
            raise ConflictError(
                f"The username {name!r} is already taken.", field="username"
            ) from exc
        audit.record(actor, "user.create", "user", user.id, after=field_values(user))
    return user


def _update(actor: Actor, user: User, action: str, bump_sessions: bool, **values: object) -> User:
    with db.atomic():
        current = User.get_by_id(user.id)
        before = field_values(current)
        for key, value in values.items():
            setattr(current, key, value)
        if bump_sessions:
            current.session_generation += 1
        old, new = audit.changes(before, field_values(current))
        if not new:
            return current  # nothing changed: nothing to save or record
        current.updated_at = utcnow()
        current.save()
        audit.record(actor, action, "user", current.id, before=old, after=new)
    return current


def set_password(actor: Actor, user: User, new_password: str) -> User:
    """Set a new password (admin or CLI) and end every session of the user.

    Raises ValidationError if the password breaks the policy.
    """
    passwords.check_policy(new_password)
    return _update(
        actor, user, "user.password", True, password_hash=passwords.hash_password(new_password)
    )


def change_password(actor: Actor, user: User, current_password: str, new_password: str) -> User:
    """Change one's own password, proving the current one; ends every other session.

    Raises ValidationError if the current password is wrong or the new one breaks the policy.
    """
    if not passwords.verify_password(user.password_hash, current_password):
        from claims.services.security import log_event

        log_event(actor, "user.password_change_refused", entity_type="user", entity_id=user.id)
        raise ValidationError("The current password is not right.", field="current_password")
    return set_password(actor, user, new_password)


def change_role(actor: Actor, user: User, role: str) -> User:
    """Give a user another role; their sessions end so the new role applies at once.

    Raises ValidationError for an unknown role.
    """
    _check_role(role)
    if role == user.role:
        return user
    return _update(actor, user, "user.role", True, role=role)


def set_active(actor: Actor, user: User, active: bool) -> User:
    """Activate or deactivate an account; deactivation ends its sessions.

    Raises ValidationError if an admin tries to deactivate their own account.
    """
    if not active and actor.user_id == user.id:
        raise ValidationError("You cannot deactivate your own account.")
    if bool(user.active) == active:
        return user
    return _update(
        actor, user, "user.activate" if active else "user.deactivate", True, active=active
    )


def update_account(actor: Actor, user: User, *, display_name: str, role: str, active: bool) -> User:
    """Change an account's display name, role and activity in one step (admin).

    A change of role or activity ends the user's sessions. Raises ValidationError for a bad
    display name or role, or an admin deactivating or demoting themselves.
    """
    display = _clean_display_name(display_name, user.username)
    _check_role(role)
    if actor.user_id == user.id and (not active or role != user.role):
        raise ValidationError("You cannot deactivate or demote your own account.")
    bump = role != user.role or active != bool(user.active)
    return _update(actor, user, "user.update", bump, display_name=display, role=role, active=active)


def end_sessions(actor: Actor, user: User, action: str = "user.logout") -> User:
    """End every session of a user (logout, or an admin terminating them)."""
    return _update(actor, user, action, True)


# Read on every signed-in request, and by every service that checks who acts.
_USER_BY_ID = Prepared(lambda: User.select().where(User.id == 0))


def user_by_id(user_id: int) -> User | None:
    """The user with this id, active or not, or None."""
    return next(iter(User.raw(_USER_BY_ID.sql(), user_id)), None)


def load_session_user(identity: str) -> User | None:
    """Return the active user a session identity ("id:generation") still stands for, or None."""
    user_id, _, generation = identity.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = user_by_id(int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


def _recent_failures(window: timedelta, key: str, ip: str) -> tuple[int, int]:
    since = utcnow() - window
    by_key = (
        LoginFailure.select()
        .where((LoginFailure.username_key == key) & (LoginFailure.at > since))
        .count()
    )
    by_ip = LoginFailure.select().where((LoginFailure.ip == ip) & (LoginFailure.at > since)).count()
    return by_key, by_ip


def authenticate(
    actor: Actor, username: str, password: str, *, max_attempts: int, window: timedelta
) -> User:
    """Check a login and record its outcome.

    Raises ThrottledError after `max_attempts` failures for the account or the address within
    `window`, and AuthenticationError (one message whatever was wrong) otherwise.
    """
    key = username_key(one_line(username))[:USERNAME_MAX]
    ip = actor.ip or "unknown"
    by_key, by_ip = _recent_failures(window, key, ip)
    if by_key >= max_attempts or by_ip >= max_attempts:
        with db.atomic():
            audit.record(actor, "login.throttled", "user", None, after={"username": key, "ip": ip})
        logs.security_event(actor.name, actor.ip, "login.throttled", {"username": key})
        minutes = int(window.total_seconds() // 60)
        raise ThrottledError(
            f"Too many failed sign-in attempts. Wait {minutes} minutes and try again."
        )
    user = User.get_or_none(User.username_key == key)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        with db.atomic():
            LoginFailure.create(username_key=key, ip=ip)
            audit.record(
                actor,
                "login.failed",
                "user",
                user.id if user else None,
                after={"username": key, "ip": ip},
            )
        logs.security_event(actor.name, actor.ip, "login.failed", {"username": key})
        raise AuthenticationError(LOGIN_FAILED_MESSAGE)
    with db.atomic():
        LoginFailure.delete().where(LoginFailure.username_key == key).execute()
        audit.record(
            Actor(user.id, user.username, actor.ip, actor.request_id),
            "login.succeeded",
            "user",
            user.id,
            after={"ip": ip},
        )
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue an API token; the plaintext is returned once and never stored.

    Raises ValidationError if the name is empty or too long.
    """
    name = one_line(name)
    if not name or len(name) > TOKEN_NAME_MAX:
        raise ValidationError(
            f"Give the token a name of at most {TOKEN_NAME_MAX} characters.", field="name"
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.atomic():
        token = ApiToken.create(
            user=user, name=name, token_hash=_token_hash(plaintext), prefix=plaintext[:10]
        )
        audit.record(actor, "token.create", "api_token", token.id, after=field_values(token))
    return token, plaintext


def list_tokens(user: User) -> peewee.ModelSelect[ApiToken]:
    """A user's tokens, newest first."""
    return ApiToken.select().where(ApiToken.user == user).order_by(ApiToken.id.desc())


def revoke_token(actor: Actor, user: User, token_id: int) -> ApiToken:
    """Revoke one of a user's tokens. Raises NotFoundError if the user has no such token."""
    with db.atomic():
        token = ApiToken.get_or_none((ApiToken.id == token_id) & (ApiToken.user == user))
        if token is None:
            raise NotFoundError("No such token.")
        if token.revoked_at is None:
            before = field_values(token)
            token.revoked_at = utcnow()
            token.save()
            old, new = audit.changes(before, field_values(token))
            audit.record(actor, "token.revoke", "api_token", token.id, before=old, after=new)
    return token


def user_for_token(plaintext: str) -> User | None:
    """Return the active user that an unrevoked API token belongs to, or None."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    return next(iter(User.raw(_TOKEN_USER.sql(), _token_hash(plaintext), True)), None)


# Read on every request with a token: the values are the token's hash and True.
_TOKEN_USER = Prepared(
    lambda: (
        User.select()
        .join(ApiToken, on=ApiToken.user == User.id)
        .where(
            (ApiToken.token_hash == "") & ApiToken.revoked_at.is_null() & (User.active == True)  # noqa: E712
        )
    )
)
