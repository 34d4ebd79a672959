"""Delivery notes, the kitchen's scales, and traceability both ways (a delivered line to its plot, a plot to every
kitchen it fed)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts.models import User
from greensmile.bulk.errors import BulkError, IllegalMove
from greensmile.bulk.models import BulkLine, BulkOrder, BulkStatus, Share, ShareStatus
from greensmile.bulk.services import amount_text, lock_order, move_order, move_share, record_event, require_buyer
from greensmile.certification import charter
from greensmile.certification.models import Application, Certification, CertStatus, Inspection, Standard
from greensmile.certification.overview import pgs_statuses_on
from greensmile.certification.services import BANGKOK, today
from greensmile.db import squeeze, utcnow
from greensmile.extensions import db
from greensmile.i18n import format_date_for, format_quantity_for
from greensmile.listings import services as listings
from greensmile.network.models import Organisation
from greensmile.plots.models import Plot

DELIVERED = (ShareStatus.CONFIRMED, ShareStatus.RECEIVED, ShareStatus.REJECTED)


@dataclass
class NoteRow:
    line: BulkLine
    shares: list[Share]
    statuses: dict[int, CertStatus]  # plot id -> organic status on the delivery date


@dataclass
class DeliveryNote:
    organisation: Organisation
    delivery_on: date
    orders: list[BulkOrder]
    rows: list[NoteRow]

    @property
    def number(self) -> str:
        return f"DN-{self.delivery_on:%Y%m%d}-{self.organisation.id:04d}"


def delivery_note(organisation: Organisation, delivery_on: date) -> DeliveryNote:
    """Everything one organisation receives on one date, in one note: each line, its farms and plots, and each
    plot's certificate status on that date (as recorded at delivery, or as it stands for a coming date)."""
    orders = list(db.session.scalars(
        sa.select(BulkOrder).where(BulkOrder.organisation_id == organisation.id, BulkOrder.delivery_on == delivery_on,
                                   BulkOrder.status.in_((BulkStatus.ALLOCATING, BulkStatus.CONFIRMED,
                                                         BulkStatus.DELIVERED)))
        .options(selectinload(BulkOrder.lines).joinedload(BulkLine.crop),
                 selectinload(BulkOrder.lines).selectinload(BulkLine.shares).joinedload(Share.plot),
                 selectinload(BulkOrder.lines).selectinload(BulkLine.shares).joinedload(Share.farmer))
        .order_by(BulkOrder.id)
    ))
    rows = []
    plot_ids = sorted({share.plot_id for order in orders for line in order.lines for share in line.shares})
    live = pgs_statuses_on(plot_ids, delivery_on) if plot_ids else {}
    for order in orders:
        for line in order.lines:
            shares = [share for share in line.shares if share.status in DELIVERED]
            statuses = {share.plot_id: (CertStatus(share.certificate_status) if share.certificate_status
                                        else live[share.plot_id]) for share in shares}
            rows.append(NoteRow(line, shares, statuses))
    return DeliveryNote(organisation, delivery_on, orders, rows)


def _snapshot(share: Share) -> None:
    """Fix the plot's organic status on the delivery date into the share, for the record."""
    on = share.line.order.delivery_on
    status = pgs_statuses_on([share.plot_id], on)[share.plot_id]
    cert = db.session.scalar(sa.select(Certification).join(Standard, Standard.id == Certification.standard_id)
                             .where(Certification.plot_id == share.plot_id, Standard.code == charter.PGS_ORGANIC))
    share.certificate_status = status.value
    share.certificate_valid_until = cert.valid_until if cert and status.is_valid_certificate else None


def receive(acting: User, share: Share, quantity: Decimal, note: str = "") -> None:
    """The kitchen weighs what arrived; the invoice follows this, not what was ordered."""
    order = lock_order(share.line.order)
    require_buyer(acting, order.organisation)
    _check_day(order)
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise BulkError(_l("Nothing arrived? Reject the line with a reason instead."))
    if quantity > share.quantity:
        raise BulkError(_l("More than was ordered arrived: record what was ordered (%(quantity)s) and agree the "
                           "rest with the farm.", quantity=format_quantity_for(share.quantity, str(get_locale()))))
    listings.check_quantity(quantity, share.line.unit)
    move_share(share, ShareStatus.RECEIVED)
    share.received_quantity, share.received_note = quantity, squeeze(note)[:1000]
    _record_arrival(acting, share, "received", amount_text(quantity, share.line.unit))


def reject(acting: User, share: Share, reason: str) -> None:
    """The kitchen refuses a delivered line (wrong, spoilt, not as ordered), saying why; it is not invoiced."""
    order = lock_order(share.line.order)
    require_buyer(acting, order.organisation)
    _check_day(order)
    reason = squeeze(reason)
    if not reason:
        raise BulkError(_l("Say why the delivery is rejected: the farm will read it."))
    move_share(share, ShareStatus.REJECTED)
    share.received_quantity, share.received_note = Decimal("0"), reason[:1000]
    _record_arrival(acting, share, "rejected", reason)


def _check_day(order: BulkOrder) -> None:
    if order.delivery_on > today():
        raise BulkError(_l("This delivery is due on %(date)s: record it when it arrives.",
                           date=format_date_for(order.delivery_on, str(get_locale()))))


def _record_arrival(acting: User, share: Share, action: str, detail: str) -> None:
    order = share.line.order
    # A share its farm confirmed can be weighed in even while another farm has not answered yet.
    if order.status not in (BulkStatus.ALLOCATING, BulkStatus.CONFIRMED):
        raise IllegalMove(_l("Record deliveries once the farms have confirmed the order."))
    share.received_at, share.received_by_id = utcnow(), acting.id
    _snapshot(share)
    record_event(order, action, acting, detail, share)
    db.session.flush()
    waiting = [s for line in order.lines for s in line.shares
               if s.status in (ShareStatus.PROPOSED, ShareStatus.CONFIRMED)]
    if not waiting:
        move_order(order, BulkStatus.DELIVERED, acting)
    db.session.flush()


# ---------------------------------------------------------------- traceability
@dataclass
class Trace:
    share: Share
    plot: Plot
    certification: Certification | None
    status_on_delivery: CertStatus
    last_inspection: Inspection | None


def trace(share: Share) -> Trace:
    """From a delivered line back to its plot, the plot's certificate and its last inspection."""
    cert = db.session.scalar(
        sa.select(Certification).join(Standard, Standard.id == Certification.standard_id)
        .where(Certification.plot_id == share.plot_id, Standard.code == charter.PGS_ORGANIC)
        .options(joinedload(Certification.version))
    )
    delivered = datetime.combine(share.line.order.delivery_on + timedelta(days=1), time(0), tzinfo=BANGKOK)
    inspection = db.session.scalar(
        sa.select(Inspection).join(Application, Application.id == Inspection.application_id)
        .where(Application.certification_id == cert.id, Inspection.visited_at < min(delivered, utcnow()))
        .order_by(Inspection.visited_at.desc(), Inspection.id.desc()).limit(1)
        .options(joinedload(Inspection.inspector))
    ) if cert else None
    status = (CertStatus(share.certificate_status) if share.certificate_status
              else pgs_statuses_on([share.plot_id], share.line.order.delivery_on)[share.plot_id])
    return Trace(share, share.plot, cert, status, inspection)


def deliveries_from(plot: Plot, start: date, end: date) -> list[Share]:
    """Forward, for a recall: every kitchen delivery the plot fed between two dates, soonest first."""
    if end < start:
        raise BulkError(_l("The end date must not be before the start date."))
    return list(db.session.scalars(
        sa.select(Share).join(BulkLine, BulkLine.id == Share.line_id).join(BulkOrder, BulkOrder.id == BulkLine.order_id)
        .where(Share.plot_id == plot.id, Share.status.in_(DELIVERED),
               BulkOrder.delivery_on >= start, BulkOrder.delivery_on <= end)
        .options(joinedload(Share.line).joinedload(BulkLine.order).joinedload(BulkOrder.organisation),
                 joinedload(Share.line).joinedload(BulkLine.crop))
        .order_by(BulkOrder.delivery_on, Share.id)
    ))
