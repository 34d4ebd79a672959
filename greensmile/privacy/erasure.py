"""Erasure (PDPA §33): a person asks, a coordinator decides within the set time, and what can be erased is erased
while what the network must keep is pseudonymised and kept, for a set period, under a hold that says why.

Invariant: an erasure is one transaction. The account's own fields go (name, phone, e-mail, address, password, LINE
link, devices, messages, downloads); each domain that registered an eraser removes what is the person's in its rooms
(photos of people, addresses on orders, a PromptPay ID, listings on sale) and says what it must keep and why (the
plots' PGS history, orders and invoices, EUDR records). Then the columns where the domains said a person's values are
copied as text (a plot's change history, a notice to a buyer naming the seller, a payment's stored payload, a
decision's reasons) are swept for the person's values (their name, phone numbers, e-mail, LINE user ID, PromptPay
ID), each replaced by the pseudonym; no other column is touched (a plot named after a village stays as it was), and
in those columns another person's name that contains this one is left whole. The account row stays, under its pseudonym, so the kept records
still point at one (closed) account, and nothing on them names the person. Files (photos, signatures) are deleted
only once the erasure commits.

This room imports no domain: domains register their erasers at start-up (`register`).
"""
from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import LineLink, Role, User, UserSession
from greensmile.clock import today
from greensmile.db import touched, utcnow
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.privacy import services
from greensmile.privacy.models import (
    AccessLog,
    ConsentMethod,
    DataExport,
    ErasureRequest,
    ErasureStatus,
    HoldKind,
    Purpose,
    RetentionHold,
    check_erasure_move,
)

log = logging.getLogger(__name__)

# A value shorter than this is not swept: "Ann" would be replaced inside other people's words.
MIN_SWEPT = 4


@dataclass
class Erased:
    """What one domain's eraser did: how many of each thing went, and the values to sweep from every table."""

    counts: dict[str, int] = field(default_factory=dict)
    values: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Eraser:
    # (person, pseudonym) -> what it removed, and the person's values it knows of (a PromptPay ID)
    erase: Callable[[User, str], Erased]
    # person -> the kinds of record the network keeps for them, pseudonymised (a plot's PGS history)
    keeps: Callable[[User], Iterable[HoldKind]] = lambda person: ()
    # person -> why they cannot be erased now (an order still open), or None
    blocks: Callable[[User], str | None] = lambda person: None


# What an erasure report's counts are called (a domain's own count without a label shows its key).
ERASED_LABELS = {
    "notifications.messages": _l("Messages sent to them"),
    "orders.addresses_and_notes": _l("Addresses and notes on their orders"),
    "orders.promptpay_ids": _l("PromptPay IDs"),
    "plots.photos_of_people": _l("Photos of their plots with people"),
    "line_link": _l("LINE link"),
    "devices": _l("Devices signed in"),
    "access_log": _l("Access log lines about them"),
    "swept": _l("Places where their name, phone or e-mail was written, now the pseudonym"),
}


def erased_label(key: str) -> str:
    return str(ERASED_LABELS.get(key, key))


ERASERS: dict[str, Eraser] = {}
# What to do with a kind of kept record once its hold ends (the EUDR photos go): registered by the domain.
HOLD_ENDS: dict[HoldKind, list[Callable[[int], int]]] = {}
# (table, column) where a person's name, phone or e-mail may be copied as text: swept for their values. This room's
# own first: a coordinator's note on a request, an incident's account of what happened.
COPIES: set[tuple[str, str]] = {("privacy_erasure_requests", "decision_note"), ("privacy_incidents", "title"),
                                ("privacy_incidents", "description"), ("privacy_incidents", "data_affected"),
                                ("privacy_incidents", "actions")}


def register(name: str, erase: Callable[[User, str], Erased] | None = None,
             keeps: Callable[[User], Iterable[HoldKind]] | None = None, *,
             blocks: Callable[[User], str | None] | None = None, copies: Iterable[tuple[str, str]] = ()) -> None:
    ERASERS[name] = Eraser(erase or (lambda person, pseudonym: Erased()), keeps or (lambda person: ()),
                           blocks or (lambda person: None))
    COPIES.update(copies)


def on_hold_end(kind: HoldKind, end: Callable[[int], int]) -> None:
    """`end(user_id)` removes what was kept under the hold and returns how many things it removed."""
    if end not in HOLD_ENDS.setdefault(kind, []):
        HOLD_ENDS[kind].append(end)


class ErasureRefused(DomainError):
    message = _l("This request cannot be changed any more.")


class ReasonNeeded(DomainError):
    message = _l("Say why the request is refused: the person is told.")


class AlreadyAsked(DomainError):
    message = _l("An erasure request is already waiting for a decision.")


class CoordinatorErasure(DomainError):
    message = _l("A coordinator's account is erased by another coordinator, after their role is taken away.")


class NotNow(DomainError):
    """Something of the person's is still under way (an order to hand over): the message says what."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.message = reason

    def __str__(self) -> str:
        return str(self.message)


def due_days() -> int:
    return int(current_app.config.get("PRIVACY_ERASURE_DAYS", 30))


def keep_years(kind: HoldKind) -> int:
    return int(current_app.config.get("PRIVACY_KEEP_YEARS", {}).get(kind.value, kind.default_years))


# ---------------------------------------------------------------- asking and deciding
def pending(person: User) -> ErasureRequest | None:
    return db.session.scalar(sa.select(ErasureRequest).where(
        ErasureRequest.user_id == person.id, ErasureRequest.status == ErasureStatus.ASKED))


def ask(person: User, acting: User, reason: str = "") -> ErasureRequest:
    """The person asks (on their own screen, or told to a coordinator who records it). A coordinator decides by
    the due day; the coordinators are told by the caller."""
    method = services.method_for(person, acting)
    if pending(person) is not None:
        raise AlreadyAsked()
    request = ErasureRequest(user_id=person.id, asked_by_id=acting.id, method=method, reason=reason.strip()[:2000],
                             due_on=today() + timedelta(days=due_days()))
    db.session.add(request)
    db.session.flush()
    return request


def requests() -> list[ErasureRequest]:
    """Waiting ones first, the soonest due first; then the decided ones, newest first."""
    return list(db.session.scalars(sa.select(ErasureRequest).order_by(
        (ErasureRequest.status != ErasureStatus.ASKED), ErasureRequest.due_on, ErasureRequest.id.desc())))


def preview(person: User) -> list[tuple[HoldKind, int]]:
    """What the network would keep of this person if erased now, and for how many years."""
    kinds: set[HoldKind] = set()
    for eraser in ERASERS.values():
        kinds.update(eraser.keeps(person))
    return [(kind, keep_years(kind)) for kind in sorted(kinds, key=lambda k: k.value)]


def active_holds() -> dict[HoldKind, int]:
    """How many erased people's records are kept now, per kind."""
    rows = db.session.execute(sa.select(RetentionHold.kind, sa.func.count()).where(RetentionHold.ended_at.is_(None))
                              .group_by(RetentionHold.kind)).all()
    return dict(rows)


def holds_of(person_id: int) -> list[RetentionHold]:
    return list(db.session.scalars(sa.select(RetentionHold).where(RetentionHold.user_id == person_id)
                                   .order_by(RetentionHold.id)))


def refuse(request: ErasureRequest, acting: User, note: str) -> None:
    """Refused, with the reason the person is told (a legal claim pending, say)."""
    if not acting.has_role(Role.COORDINATOR):
        raise services.NotYours()
    if not note.strip():
        raise ReasonNeeded()
    _move(request, ErasureStatus.REFUSED)
    request.decided_by_id, request.decided_at, request.decision_note = acting.id, utcnow(), note.strip()[:2000]


def _move(request: ErasureRequest, target: ErasureStatus) -> None:
    try:
        check_erasure_move(request.status, target)
    except ValueError:
        raise ErasureRefused() from None
    request.status = target


def new_pseudonym() -> str:
    return f"ERASED-{secrets.token_hex(4).upper()}"


def carry_out(request: ErasureRequest, acting: User, note: str = "") -> dict:
    """Erase the person now, in the caller's transaction; returns the report kept with the request."""
    if not acting.has_role(Role.COORDINATOR):
        raise services.NotYours()
    person = db.session.get(User, request.user_id)
    if person.has_role(Role.COORDINATOR):
        raise CoordinatorErasure()
    _move(request, ErasureStatus.ERASED)
    pseudonym = new_pseudonym()
    values = personal_values(person)
    report: dict = {"erased": {}, "kept": []}
    kinds = [kind for kind, years in preview(person)]  # read before anything is erased
    for name, eraser in sorted(ERASERS.items()):
        outcome = eraser.erase(person, pseudonym)
        values |= outcome.values
        report["erased"].update({f"{name}.{key}": count for key, count in outcome.counts.items()})
    # Asked after the erasers ran: the person's listings are off sale (their rows locked), so no checkout can slip an
    # order in between; a refusal here rolls everything back with the caller's transaction.
    for name, eraser in sorted(ERASERS.items()):
        reason = eraser.blocks(person)
        if reason is not None:
            raise NotNow(reason)
    report["erased"].update(_erase_account(person, acting, pseudonym))
    db.session.flush()  # the sweep's statements see, and then overwrite, what the ORM changed
    report["erased"]["swept"] = sweep(values, pseudonym, person.id)
    db.session.expire_all()  # what the session loaded before the sweep is read again
    for kind in kinds:
        keep_until = _years_after(today(), keep_years(kind))
        db.session.add(RetentionHold(user_id=person.id, erasure_id=request.id, kind=kind, keep_until=keep_until))
        report["kept"].append({"kind": kind.value, "until": keep_until.isoformat()})
    request.pseudonym = pseudonym
    db.session.execute(sa.update(ErasureRequest).where(ErasureRequest.user_id == person.id)  # their own words
                       .values(reason="").execution_options(synchronize_session=False))
    request.decided_by_id, request.decided_at, request.decision_note = acting.id, utcnow(), note.strip()[:2000]
    request.report = report
    db.session.flush()
    log.info("erasure %s carried out: %s", request.id, report)
    return report


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def personal_values(person: User) -> set[str]:
    """What identifies the person as text wherever it was copied: their name, e-mail, phone numbers as people write
    them, LINE user ID. (Their address and LINE name live in their own rows, which go.)"""
    values = {person.display_name, person.email or "", *_phone_forms(person.phone)}
    link = db.session.scalar(sa.select(LineLink).where(LineLink.user_id == person.id))
    if link is not None:
        values.add(link.line_user_id)
    return {value.strip() for value in values if value and len(value.strip()) >= MIN_SWEPT}


def _phone_forms(phone: str | None) -> list[str]:
    """0812345678 as stored, and as people write it: 081-234-5678, 081-2345678, 081 234 5678, +66 81 234 5678."""
    if not phone:
        return []
    forms = [phone, f"+66{phone[1:]}", f"66{phone[1:]}"]
    if len(phone) == 10:
        a, b, c = phone[:3], phone[3:6], phone[6:]
        forms += [f"{a}-{b}-{c}", f"{a}-{b}{c}", f"{a} {b} {c}", f"+66 {a[1:]} {b} {c}", f"+66-{a[1:]}-{b}-{c}"]
    return forms


def _erase_account(person: User, acting: User, pseudonym: str) -> dict[str, int]:
    """The account's own fields, its LINE link and devices, and the consents answered no from now (the public pages
    show none of the person's plots by name or in the directory)."""
    counts = {
        "line_link": db.session.execute(sa.delete(LineLink).where(LineLink.user_id == person.id)).rowcount,
        "devices": db.session.execute(sa.delete(UserSession).where(UserSession.user_id == person.id)).rowcount,
        "access_log": db.session.execute(sa.delete(AccessLog).where(AccessLog.subject_id == person.id)).rowcount,
        "downloads": db.session.execute(sa.delete(DataExport).where(DataExport.user_id == person.id)).rowcount,
    }
    for purpose in Purpose:
        if services.has_given(person, purpose):
            services.record(person, purpose, False, acting, method=ConsentMethod.ERASED)
    person.display_name, person.email, person.phone, person.address = pseudonym, None, None, ""
    person.password_hash, person.is_active, person.email_confirmed_at = None, False, None
    person.session_token = secrets.token_hex(16)  # any device still signed in is signed out
    db.session.expire(person, ["line_link"])
    return counts


# ---------------------------------------------------------------- the sweep
SHORT = "—"  # what stands for a value where the pseudonym would not fit the column (a 20-character phone field)


def _copy_columns() -> list[tuple[sa.Table, sa.Column]]:
    tables = db.metadata.tables
    return [(tables[table], tables[table].c[column]) for table, column in sorted(COPIES)
            if tables[table].primary_key.columns]  # a table without a key cannot be rewritten row by row


@dataclass
class _Replacer:
    """Each of the person's values, case-insensitively, as written and as JSON escapes it, replaced by `new`; another
    person's name that contains one of them (a namesake: "สมหญิง ใจดีมาก" for "สมหญิง ใจดี") is left whole."""

    values: list[str]
    protected: list[str]

    def __post_init__(self):
        forms = sorted({form for value in self.values for form in (value, json.dumps(value)[1:-1])}, key=len,
                       reverse=True)
        self.pattern = re.compile("|".join(re.escape(form) for form in forms), re.IGNORECASE)
        names = sorted(set(self.protected), key=len, reverse=True)
        self.shield = re.compile("|".join(re.escape(name) for name in names)) if names else None

    def text(self, value: str, new: str) -> str:
        if self.shield is None:
            return self.pattern.sub(new, value)
        parts, last = [], 0
        for found in self.shield.finditer(value):  # replace between the namesakes, never inside one
            parts += [self.pattern.sub(new, value[last:found.start()]), found.group()]
            last = found.end()
        return "".join([*parts, self.pattern.sub(new, value[last:])])

    def any(self, value, new: str):
        if isinstance(value, str):
            return self.text(value, new)
        if isinstance(value, list):
            return [self.any(item, new) for item in value]
        if isinstance(value, dict):
            return {self.any(key, new): self.any(item, new) for key, item in value.items()}
        return value


def _namesakes(person_id: int | None, values: list[str]) -> list[str]:
    """Other people's names that contain one of the values."""
    if person_id is None:
        return []
    return list(db.session.scalars(sa.select(User.display_name).where(
        User.id != person_id, sa.or_(*(User.display_name.icontains(value, autoescape=True) for value in values)))))


def sweep(values: Iterable[str], pseudonym: str, person_id: int | None = None) -> int:
    """Replace each value by the pseudonym in the columns the domains named as copies, one statement per column;
    returns how many cells changed. Where the pseudonym would not fit a short column, a dash stands for the value."""
    ordered = sorted({value for value in values if len(value) >= MIN_SWEPT}, key=len, reverse=True)
    if not ordered:
        return 0
    replacer = _Replacer(ordered, _namesakes(person_id, ordered))
    spelled = {form for value in ordered for form in (value, json.dumps(value)[1:-1])}
    changed = 0
    for table, column in _copy_columns():
        key = list(table.primary_key.columns)
        rows = db.session.execute(sa.select(*key, column).where(
            sa.or_(*(sa.cast(column, sa.Text).icontains(form, autoescape=True) for form in spelled)))).all()
        limit = getattr(column.type, "length", None)
        updates = []
        for row in rows:
            before = row[-1]
            after = replacer.any(before, pseudonym)
            if isinstance(after, str) and limit and len(after) > limit:
                after = replacer.any(before, SHORT)[:limit]
            if after != before:
                updates.append({**{f"k_{k.name}": row[i] for i, k in enumerate(key)}, "new_value": after})
        if updates:  # one statement, its rows sent together
            db.session.execute(sa.update(table).where(*(k == sa.bindparam(f"k_{k.name}") for k in key))
                               .values({column.name: sa.bindparam("new_value", type_=column.type)}), updates)
            changed += len(updates)
            if len(key) == 1:  # what is kept from these rows (a QR page's snapshot) is rebuilt
                touched(db.session, table.name, [update[f"k_{key[0].name}"] for update in updates])
    return changed
