"""Account rules: sign-up, log-in, passwords, reset links, roles and LINE links. Services flush, never commit.

Sign-up answers alike whether or not the address has an account: the new account signs in only once its owner opens
the link we mail, and the owner of an address already registered gets a mail instead of the person signing up."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from greensmile.accounts import passwords, sessions
from greensmile.accounts.errors import (
    CannotCloseOwnAccount,
    CannotIssueResetLink,
    EmailTaken,
    InvalidConfirmToken,
    InvalidCredentials,
    InvalidResetToken,
    LastCoordinator,
    LineAccountClosed,
    LineAlreadyLinked,
    LineIsTheOnlyWayIn,
    OtherLineLinked,
)
from greensmile.accounts.models import LineLink, Role, User, UserRole, new_session_token
from greensmile.db import contains, squeeze, utcnow
from greensmile.extensions import db

log = logging.getLogger(__name__)
RESET_SALT = "greensmile.password-reset"
CONFIRM_SALT = "greensmile.confirm-email"
CONFIRM_MAX_AGE = 3 * 24 * 3600  # a sign-up's link: long enough for someone who reads mail once a day or two
_PHONE_DIGITS = re.compile(r"\D+")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str | None) -> str | None:
    """Thai numbers in one form: 0812345678 (from '081-234-5678', '+66 81 234 5678', ...); None if blank."""
    if phone is None or not phone.strip():
        return None
    digits = _PHONE_DIGITS.sub("", phone)
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    if not (digits.startswith("0") and len(digits) in (9, 10)):
        raise ValueError(phone)
    return digits


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str | None,
    display_name: str,
    password: str | None = None,
    phone: str | None = None,
    address: str = "",
    locale: str = "th",
    roles: tuple[Role, ...] = (Role.CONSUMER,),
    granted_by: User | None = None,
    confirmed: bool = True,
) -> User:
    """Create an account with the given roles (a self sign-up is a consumer, `confirmed=False` until its link is opened)."""
    email = normalise_email(email) if email else None
    if email and get_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        display_name=squeeze(display_name),
        phone=normalise_phone(phone),
        address=address.strip(),
        locale=locale,
        password_hash=passwords.hash_password(password) if password else None,
        email_confirmed_at=utcnow() if email and confirmed else None,
    )
    user.roles = [UserRole(role=role, granted_by=granted_by) for role in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def create_accounts(people: list[tuple[str, str | None]], roles: tuple[Role, ...], granted_by: User | None) -> list[int]:
    """Accounts without e-mail or password, as an import makes them: (display name, phone) each, in two statements
    whatever their number. Returns their ids in the order given. The names and phones are normalised as
    create_user normalises them; nothing is checked for duplicates (the caller has matched them)."""
    if not people:
        return []
    # Each row's own random session token tells which id is whose: asking the database to keep the rows' order
    # instead would make SQLite insert them one statement each.
    rows = [{"email": None, "display_name": squeeze(name), "phone": normalise_phone(phone), "address": "",
             "locale": "th", "password_hash": None, "email_confirmed_at": None, "session_token": new_session_token()}
            for name, phone in people]
    # render_nulls: every row keeps every key, None included, so the rows go in batches of a thousand; by default
    # the ORM leaves a None out, and rows with and without a phone would split into a statement each.
    ids = dict(db.session.execute(
        sa.insert(User).returning(User.session_token, User.id).execution_options(render_nulls=True), rows).all())
    inserted = [ids[row["session_token"]] for row in rows]
    granted = granted_by.id if granted_by is not None else None
    db.session.execute(sa.insert(UserRole).execution_options(render_nulls=True), [
        {"user_id": user_id, "role": role, "granted_by_id": granted} for user_id in inserted for role in roles
    ])
    return list(inserted)


@dataclass(frozen=True)
class SignUp:
    user: User  # the new account, or the one that already has the address
    created: bool


def sign_up(*, email: str, display_name: str, password: str, phone: str | None, locale: str) -> SignUp:
    """A self sign-up: a new consumer account that waits for its e-mail to be confirmed, or the active account
    that already has this address. The caller answers both alike and mails the address's owner either way."""
    existing = get_user_by_email(email)
    if existing is None:
        try:
            with db.session.begin_nested():  # two sign-ups with one address at once: the second finds the first
                user = create_user(email=email, display_name=display_name, password=password, phone=phone,
                                   locale=locale, confirmed=False)
        except (EmailTaken, sa.exc.IntegrityError):
            existing = get_user_by_email(email)
        else:
            return SignUp(user, created=True)
    if existing is not None and existing.email_confirmed_at is None and existing.is_active:
        # Nobody has shown the address is theirs yet: the latest sign-up's details replace the earlier one's, and
        # its older links stop working (the link's fingerprint holds the password). Otherwise whoever signed up
        # first with someone else's address would own the account once its owner followed the first mail.
        existing.display_name, existing.phone, existing.locale = squeeze(display_name), normalise_phone(phone), locale
        existing.password_hash = passwords.hash_password(password)
        db.session.flush()
        return SignUp(existing, created=True)
    passwords.hash_password(password)  # the same slow work as a new account, so the time taken tells nothing
    return SignUp(existing, created=False)


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def make_confirm_token(user: User, next_path: str | None = None) -> str:
    """A signed, time-limited token that confirms this account's e-mail address once (and where to go after)."""
    return _confirm_serializer().dumps({"u": user.id, "e": user.email, "f": _reset_fingerprint(user), "n": next_path})


def confirmation(token: str) -> tuple[User, str | None]:
    """The account a still-unused confirmation token belongs to, and the page to go to after; or raise."""
    try:
        data = _confirm_serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except (SignatureExpired, BadSignature):
        raise InvalidConfirmToken() from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if (user is None or not user.is_active or user.email != data.get("e") or user.email_confirmed_at is not None
            or data.get("f") != _reset_fingerprint(user)):  # a later sign-up's details replaced this link's
        raise InvalidConfirmToken()
    return user, data.get("n")


def confirm_email(token: str) -> tuple[User, str | None]:
    """Mark the account's e-mail as its owner's, so it may sign in; the link cannot be used again."""
    user, next_path = confirmation(token)
    user.email_confirmed_at = user.last_login_at = utcnow()
    db.session.flush()
    return user, next_path


def _can_sign_in() -> sa.ColumnElement[bool]:
    # An address nobody has confirmed opens nothing: else a sign-up followed by a sign-in would tell a new
    # address from one already registered.
    return sa.or_(User.email.is_(None), User.email_confirmed_at.is_not(None))


def login_key(identifier: str) -> str:
    """One spelling per account name: a lower-case e-mail, or a phone number in its 0XXXXXXXXX form."""
    identifier = identifier.strip()
    if "@" in identifier:
        return normalise_email(identifier)
    try:
        return normalise_phone(identifier) or ""
    except ValueError:
        return identifier.lower()


def accounts_named(identifier: str) -> list[User]:
    """The accounts an e-mail address or a phone number (spelt as at log-in) names: a phone may name a household."""
    key = login_key(identifier)
    if not key:
        return []
    column = User.email if "@" in key else User.phone
    # Only accounts in use: a closed one is nobody to add, and must not make a phone look shared.
    return list(db.session.scalars(
        sa.select(User).where(column == key, User.is_active.is_(True), _can_sign_in()).order_by(User.id)
    ))


def _login_candidates(identifier: str) -> list[User]:
    key = login_key(identifier)
    if not key:
        return []
    column = User.email if "@" in key else User.phone
    return list(
        db.session.scalars(
            sa.select(User).where(column == key, User.password_hash.is_not(None), _can_sign_in()).order_by(User.id)
        )
    )


def authenticate(identifier: str, password: str) -> User:
    """Return the active account that an e-mail or phone number and password open, or raise InvalidCredentials.

    Farmers often have no e-mail and may share a phone with their household: a phone signs in the one
    account on that number whose password matches.
    """
    candidates = _login_candidates(identifier)
    if not candidates:
        passwords.dummy_verify(password)
        raise InvalidCredentials()
    matches = [user for user in candidates if passwords.verify_password(user.password_hash, password)]
    if len(matches) != 1 or not matches[0].is_active:
        raise InvalidCredentials()
    user = matches[0]
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def set_password(user: User, new_password: str) -> None:
    """Store a new password and sign the account out on every device (the one asking signs in again, as new)."""
    user.password_hash = passwords.hash_password(new_password)
    user.session_token = new_session_token()
    sessions.revoke_all(user)
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise InvalidCredentials()
    set_password(user, new_password)


def update_profile(user: User, *, display_name: str, phone: str | None, address: str, locale: str) -> None:
    """Change the account's own name, phone, address and language."""
    user.display_name = squeeze(display_name)
    user.phone = normalise_phone(phone)
    user.address = address.strip()
    user.locale = locale
    db.session.flush()


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _reset_fingerprint(user: User) -> str:
    # Changes whenever the password or the session token changes, so a used link stops working.
    material = f"{user.password_hash or ''}|{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def make_reset_token(user: User) -> str:
    """A signed, time-limited token that can reset this user's password once."""
    return _reset_serializer().dumps({"u": user.id, "f": _reset_fingerprint(user)})


def user_for_reset_token(token: str, max_age: int) -> User:
    """The user a still-valid reset token belongs to, or raise InvalidResetToken."""
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        raise InvalidResetToken() from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("f") != _reset_fingerprint(user):
        raise InvalidResetToken()
    return user


def reset_token_for_member(user: User, acting: User) -> str:
    """A reset link a coordinator hands to a member who has no e-mail (and signs in by phone)."""
    if user.email or not user.phone or not user.is_active:
        raise CannotIssueResetLink()
    log.info("coordinator %s made a password reset link for account %s", acting.id, user.id)
    return make_reset_token(user)


def reset_password(token: str, new_password: str, max_age: int) -> User:
    """Set a new password through a reset link; the link cannot be used again."""
    user = user_for_reset_token(token, max_age)
    set_password(user, new_password)
    if user.email and user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link came to that mailbox: its owner has shown the address is theirs
    db.session.flush()
    return user


def coordinator_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(UserRole).join(User, User.id == UserRole.user_id)
        .where(UserRole.role == Role.COORDINATOR, User.is_active.is_(True))
    )


def set_roles(user: User, roles: set[Role], acting: User) -> tuple[set[Role], set[Role]]:
    """Make the user's roles exactly `roles`; returns (granted, revoked)."""
    current = set(user.role_set)
    granted, revoked = roles - current, current - roles
    if Role.COORDINATOR in revoked and coordinator_count() <= 1:
        raise LastCoordinator()
    user.roles = [grant for grant in user.roles if grant.role not in revoked]
    user.roles.extend(UserRole(role=role, granted_by=acting) for role in sorted(granted, key=lambda r: r.value))
    db.session.flush()
    return granted, revoked


def grant_role(user: User, role: Role, acting: User | None) -> None:
    """Add one role (no-op if the user already holds it)."""
    if role not in user.role_set:
        user.roles.append(UserRole(role=role, granted_by=acting))
        db.session.flush()


def close_account(user: User, acting: User) -> None:
    """A coordinator closes an account: it can no longer sign in, and every device it is signed in on is signed out."""
    if user.id == acting.id:
        raise CannotCloseOwnAccount()
    if Role.COORDINATOR in user.role_set and user.is_active and coordinator_count() <= 1:
        raise LastCoordinator()
    log.info("coordinator %s closed account %s", acting.id, user.id)
    user.is_active = False
    sessions.revoke_all(user)
    db.session.flush()


def reopen_account(user: User, acting: User) -> None:
    """Let a closed account sign in again (with a new sign-in: its old devices stay signed out)."""
    log.info("coordinator %s reopened account %s", acting.id, user.id)
    user.is_active = True
    db.session.flush()


def search_users(query: str | None = None, role: Role | None = None) -> sa.Select:
    """A select of users matching a name/e-mail/phone fragment and a role, for pagination."""
    stmt = sa.select(User).order_by(User.display_name, User.id)
    if query and query.strip():
        digits = _PHONE_DIGITS.sub("", query)
        stmt = stmt.where(
            sa.or_(
                contains(User.display_name, query),
                contains(User.email, query),
                contains(User.phone, digits) if digits else sa.false(),
            )
        )
    if role is not None:
        stmt = stmt.where(User.roles.any(UserRole.role == role))
    return stmt


# ---------------------------------------------------------------- LINE Login
# One LINE account opens at most one account and an account has at most one LINE account (both columns are unique):
# a LINE account linked elsewhere is refused, never moved. The identity comes verified from accounts.line_login.
LINE_NAME_LENGTH = 120


def line_link_for(line_user_id: str) -> LineLink | None:
    return db.session.scalar(sa.select(LineLink).where(LineLink.line_user_id == line_user_id))


def _record_friendship(link: LineLink, friend: bool | None) -> None:
    # None: LINE did not say, so what we knew stands. `friend_changed_at` moves only when the flag does (or is new).
    if friend is not None and (link.friend != friend or link.friend_changed_at is None):
        link.friend, link.friend_changed_at = friend, utcnow()


def link_line(user: User, *, line_user_id: str, display_name: str, friend: bool | None) -> LineLink:
    """Link a LINE account to `user` (again: its name and friendship are refreshed); refused if either is linked
    to another."""
    existing = line_link_for(line_user_id)
    if existing is not None and existing.user_id != user.id:
        raise LineAlreadyLinked()
    own = existing or db.session.scalar(sa.select(LineLink).where(LineLink.user_id == user.id))
    if own is not None and own.line_user_id != line_user_id:
        raise OtherLineLinked()
    try:
        with db.session.begin_nested():  # the same LINE account linked by two requests at once: the second is refused
            link = own or LineLink(user=user, line_user_id=line_user_id, linked_at=utcnow())
            link.display_name = squeeze(display_name)[:LINE_NAME_LENGTH]
            _record_friendship(link, friend)
            db.session.add(link)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise LineAlreadyLinked() from None
    return link


def unlink_line(user: User) -> None:
    """Remove the account's own LINE link (LINE pushes stop; sign-in with LINE no longer opens it)."""
    link = db.session.scalar(sa.select(LineLink).where(LineLink.user_id == user.id))
    if link is None:
        return
    if user.password_hash is None and user.email is None:
        raise LineIsTheOnlyWayIn()
    log.info("account %s unlinked LINE", user.id)
    db.session.delete(link)
    db.session.flush()


def sign_in_with_line(line_user_id: str, *, display_name: str, friend: bool | None) -> User | None:
    """The account this LINE account is linked to, signing in (as `authenticate` does); None if it is linked to none."""
    link = line_link_for(line_user_id)
    if link is None:
        return None
    user = link.user
    if not user.can_sign_in:
        raise LineAccountClosed()
    link.display_name = squeeze(display_name)[:LINE_NAME_LENGTH]
    _record_friendship(link, friend)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def create_line_account(*, line_user_id: str, display_name: str, friend: bool | None, locale: str) -> User:
    """A new consumer account opened by a LINE account: its name from LINE, no e-mail, no password."""
    if line_link_for(line_user_id) is not None:
        raise LineAlreadyLinked()
    user = create_user(email=None, display_name=squeeze(display_name)[:LINE_NAME_LENGTH] or "LINE", locale=locale)
    link_line(user, line_user_id=line_user_id, display_name=display_name, friend=friend)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def claim_with_line(token: str, max_age: int, *, line_user_id: str, display_name: str, friend: bool | None) -> User:
    """Use a one-time link (a password reset link) to link LINE instead of choosing a password: the link is used up
    and the account is signed out everywhere, as a new password would do."""
    user = user_for_reset_token(token, max_age)
    link_line(user, line_user_id=line_user_id, display_name=display_name, friend=friend)
    user.session_token = new_session_token()  # part of the link's fingerprint: the link stops working
    sessions.revoke_all(user)
    if user.email and user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link came to that mailbox, as in `reset_password`
    user.last_login_at = utcnow()
    db.session.flush()
    return user
