"""Supporters' pledges: who may make, see and deliver them, each delivery moving the pledge along its one table of
moves, money paid by transfer or through Stripe (PromptPay), and purchase guarantees for the demand outlook."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.certification.services import today
from greensmile.db import squeeze
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.network.models import Category, Membership, Organisation
from greensmile.payments import services as payments
from greensmile.payments.models import NETWORK, Channel, Payment, PaymentStatus
from greensmile.plots.models import Plot
from greensmile.supporters import notify
from greensmile.supporters.models import (
    SUPPORT_MOVES,
    DeliveryVia,
    SupportDelivery,
    SupportKind,
    SupportPledge,
    SupportStatus,
)

log = logging.getLogger(__name__)


class SupportError(DomainError):
    message = _l("The pledge was refused.")


class NotAllowed(SupportError):
    message = _l("You may not do this for that pledge.")


# ---------------------------------------------------------------- who may
def speaks_for(user: User, organisation: Organisation) -> bool:
    """A member of the supporting organisation (or a coordinator) acts for it."""
    return user.has_role(Role.COORDINATOR) or db.session.get(Membership, (organisation.id, user.id)) is not None


def may_see_private(user: User | None, pledge: SupportPledge) -> bool:
    """The supporter's members, the group it backs (or the plot's farmer), and coordinators."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_role(Role.COORDINATOR) or db.session.get(Membership, (pledge.supporter_id, user.id)) is not None:
        return True
    if pledge.group_id is not None and db.session.get(Membership, (pledge.group_id, user.id)) is not None:
        return True
    return pledge.plot is not None and pledge.plot.owner_id == user.id


def supporting_organisations_of(user: User) -> list[Organisation]:
    """The organisations a supporter may pledge for: those they belong to that are not farmer groups."""
    return [org for org in db.session.scalars(sa.select(Organisation).join(Membership).where(
        Membership.user_id == user.id).order_by(Organisation.name)) if org.kind.category is not Category.FARMER_GROUP]


def visible_to(user: User) -> list[SupportPledge]:
    """Pledges this person sees in full: their organisations', their groups' and plots' (coordinators: all)."""
    query = sa.select(SupportPledge).order_by(SupportPledge.id.desc())
    if not user.has_role(Role.COORDINATOR):
        mine = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
        query = query.where(SupportPledge.supporter_id.in_(mine) | SupportPledge.group_id.in_(mine)
                            | SupportPledge.plot_id.in_(sa.select(Plot.id).where(Plot.owner_id == user.id)))
    return list(db.session.scalars(query.limit(500)))


def public_pledges() -> list[SupportPledge]:
    return list(db.session.scalars(sa.select(SupportPledge).where(
        SupportPledge.public.is_(True), SupportPledge.status != SupportStatus.WITHDRAWN).order_by(
        SupportPledge.starts_on.desc(), SupportPledge.id.desc()).limit(200)))


# ---------------------------------------------------------------- pledging
@dataclass
class PledgeData:
    kind: SupportKind
    title: str
    details: str = ""
    group_id: int | None = None
    plot_id: int | None = None
    amount_satang: int | None = None
    crop_id: int | None = None
    kg_per_week: Decimal | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    public: bool = False
    public_amount: bool = False


def make_pledge(acting: User, supporter: Organisation, data: PledgeData) -> SupportPledge:
    """A supporter's promise to a farmer group, a plot's certification costs, or (neither named) the network."""
    if supporter.kind.category is Category.FARMER_GROUP or not speaks_for(acting, supporter):
        raise NotAllowed()
    title = squeeze(data.title)[:200]
    if not title:
        raise SupportError(_l("Say in one line what is pledged."))
    if data.group_id and data.plot_id:
        raise SupportError(_l("A pledge backs a farmer group or a plot, not both."))
    if data.group_id:
        group = db.session.get(Organisation, data.group_id)
        if group is None or group.kind.category is not Category.FARMER_GROUP:
            raise SupportError(_l("Choose a farmer group from the list."))
    if data.plot_id and db.session.get(Plot, data.plot_id) is None:
        raise SupportError(_l("No such plot."))
    if data.kind is SupportKind.MONEY and not (data.amount_satang and data.amount_satang > 0):
        raise SupportError(_l("Enter the amount pledged, in baht."))
    if data.kind is SupportKind.PURCHASE_GUARANTEE and not (data.crop_id and data.kg_per_week and data.ends_on):
        raise SupportError(_l("A purchase guarantee needs the crop, the kg a week and the date it runs until."))
    starts_on = data.starts_on or today()
    if data.ends_on and data.ends_on < starts_on:
        raise SupportError(_l("The end date must not be before the start."))
    pledge = SupportPledge(
        supporter_id=supporter.id, group_id=data.group_id or None, plot_id=data.plot_id or None, kind=data.kind,
        title=title, details=(data.details or "").strip()[:5000],
        amount_satang=data.amount_satang if data.kind is SupportKind.MONEY else None,
        crop_id=data.crop_id if data.kind is SupportKind.PURCHASE_GUARANTEE else None,
        kg_per_week=data.kg_per_week if data.kind is SupportKind.PURCHASE_GUARANTEE else None,
        starts_on=starts_on, ends_on=data.ends_on, public=data.public, public_amount=data.public and data.public_amount,
        created_by_id=acting.id)
    db.session.add(pledge)
    db.session.flush()
    return pledge


def _move(pledge: SupportPledge, target: SupportStatus) -> None:
    if target not in SUPPORT_MOVES[pledge.status]:
        raise SupportError(_l("This pledge is %(status)s: nothing more can be recorded on it.",
                              status=pledge.status.label))
    pledge.status = target


def _lock(pledge: SupportPledge) -> None:
    db.session.execute(sa.select(SupportPledge.id).where(SupportPledge.id == pledge.id).with_for_update())
    db.session.refresh(pledge)


def delivered_satang(pledge: SupportPledge) -> int:
    return sum(d.amount_satang or 0 for d in pledge.deliveries)


def delivered_kg(pledge: SupportPledge) -> Decimal:
    return sum((d.quantity_kg or Decimal("0") for d in pledge.deliveries), Decimal("0"))


@dataclass
class DeliveryData:
    delivered_on: date
    via: DeliveryVia
    amount_satang: int | None = None
    quantity_kg: Decimal | None = None
    note: str = ""
    reference: str = ""
    completes: bool = False  # the supporter says this delivery fulfils the pledge


def record_delivery(acting: User | None, pledge: SupportPledge, data: DeliveryData) -> SupportDelivery:
    """One delivery; the pledge becomes partly delivered, or delivered when the money is all in or it is said to be
    complete. A reference already recorded (a transfer, a Stripe payment) is refused: money is never counted twice."""
    if acting is not None and not speaks_for(acting, pledge.supporter):
        raise NotAllowed()
    _lock(pledge)
    if not pledge.status.is_open:
        raise SupportError(_l("This pledge is %(status)s: nothing more can be recorded on it.",
                              status=pledge.status.label))
    if data.delivered_on > today():
        raise SupportError(_l("The delivery date must not be in the future."))
    if pledge.kind is SupportKind.MONEY and not (data.amount_satang and data.amount_satang > 0):
        raise SupportError(_l("Enter the amount delivered, in baht."))
    if (pledge.kind is SupportKind.MONEY) == (data.via is DeliveryVia.IN_KIND):
        raise SupportError(_l("Money is delivered by transfer or online; everything else in kind."))
    reference = squeeze(data.reference)[:255] or None
    if reference and db.session.scalar(sa.select(SupportDelivery.id).where(
            SupportDelivery.reference == reference)) is not None:
        raise SupportError(_l("A delivery with the reference %(reference)s is recorded already.", reference=reference))
    delivery = SupportDelivery(pledge_id=pledge.id, delivered_on=data.delivered_on, via=data.via,
                               amount_satang=data.amount_satang if pledge.kind is SupportKind.MONEY else None,
                               quantity_kg=data.quantity_kg, note=(data.note or "").strip()[:2000],
                               reference=reference, recorded_by_id=acting.id if acting else None)
    db.session.add(delivery)
    db.session.flush()
    db.session.refresh(pledge)
    complete = data.completes or (pledge.kind is SupportKind.MONEY and delivered_satang(pledge) >= pledge.amount_satang)
    _move(pledge, SupportStatus.DELIVERED if complete else SupportStatus.PARTLY_DELIVERED)
    db.session.flush()
    notify.pledge_delivered(pledge, delivery, acting)
    return delivery


def withdraw(acting: User, pledge: SupportPledge, reason: str) -> None:
    if not speaks_for(acting, pledge.supporter):
        raise NotAllowed()
    _lock(pledge)
    _move(pledge, SupportStatus.WITHDRAWN)
    note = squeeze(reason)
    if note:
        pledge.details = (pledge.details + "\n" if pledge.details else "") + f"[{today().isoformat()}] {note}"[:2000]
    db.session.flush()


# ---------------------------------------------------------------- money paid online
def receiver(pledge: SupportPledge) -> str:
    """Who a pledge's money goes to straight by PromptPay: the group it backs, where the group has an ID, else the
    network."""
    if pledge.group_id is not None and payments.account_of(f"organisation:{pledge.group_id}") is not None:
        return f"organisation:{pledge.group_id}"
    return NETWORK


def start_payment(acting: User, pledge: SupportPledge, amount_satang: int, direct: bool = False) -> Payment:
    """A PromptPay QR code for (part of) a money pledge, through Stripe or straight to the receiver; the payment,
    once it arrives, records the delivery."""
    if not speaks_for(acting, pledge.supporter):
        raise NotAllowed()
    _lock(pledge)
    if pledge.kind is not SupportKind.MONEY or not pledge.status.is_open:
        raise SupportError(_l("Only an open money pledge can be paid."))
    for waiting in payments.payments_for("pledge", [pledge.id]):
        # One QR code at a time: a second could be paid too, for money no longer owed.
        if waiting.status not in (PaymentStatus.PENDING, PaymentStatus.SLIP_SENT):
            continue
        if (waiting.channel is Channel.PROMPTPAY_DIRECT) == direct:
            return waiting
        if waiting.channel is Channel.PROMPTPAY_DIRECT:
            raise SupportError(_l("A PromptPay QR code for this pledge is waiting: pay it, or call it off on its page."))
        raise SupportError(_l("A payment through Stripe is waiting for this pledge: pay it, or wait until its QR "
                              "code lapses."))
    remaining = pledge.amount_satang - delivered_satang(pledge)
    if not 0 < amount_satang <= remaining:
        raise SupportError(_l("Pay between ฿1 and what is still to come."))
    if direct:
        account = payments.account_of(receiver(pledge))
        if account is None:
            raise SupportError(_l("The network has no PromptPay ID yet: pay through Stripe or by bank transfer."))
        return payments.start_direct("pledge", pledge.id, amount_satang, account, acting.id)
    return payments.start_stripe("pledge", pledge.id, amount_satang, card=False,
                                 description=f"Green Smile support pledge {pledge.id}", email=acting.email or "",
                                 payer_id=acting.id)


# ---------------------------------------------------------------- purchase guarantees
@dataclass
class Guarantee:
    crop_id: int
    kg_per_week: Decimal
    starts_on: date
    ends_on: date
    supporter: str


def guarantees_between(first: date, last: date) -> list[Guarantee]:
    """Open purchase guarantees running in these dates, for the kitchens' demand outlook."""
    rows = db.session.execute(
        sa.select(SupportPledge.crop_id, SupportPledge.kg_per_week, SupportPledge.starts_on, SupportPledge.ends_on,
                  Organisation.name).join(Organisation, Organisation.id == SupportPledge.supporter_id)
        .where(SupportPledge.kind == SupportKind.PURCHASE_GUARANTEE,
               SupportPledge.status.in_([SupportStatus.PLEDGED, SupportStatus.PARTLY_DELIVERED]),
               SupportPledge.starts_on <= last, SupportPledge.ends_on >= first)).all()
    return [Guarantee(*row) for row in rows]
