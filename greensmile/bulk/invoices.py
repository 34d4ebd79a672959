"""Monthly invoices per organisation, priced at what the kitchen received, with each farm's share."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import Role, User
from greensmile.bulk import notify
from greensmile.bulk.errors import BulkError, IllegalMove, NotAllowed
from greensmile.bulk.models import BulkLine, BulkOrder, Invoice, InvoiceStatus, PaymentTerms, Share, ShareStatus
from greensmile.bulk.services import can_view, profile_of
from greensmile.bulk.transitions import check_invoice_move
from greensmile.certification.services import today
from greensmile.db import compare_and_set, squeeze, utcnow
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.orders.services import line_total


def month_start(on: date) -> date:
    return on.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def invoice_number(organisation: Organisation, month: date) -> str:
    """One invoice per organisation and month, so its number says both: INV-202612-0007."""
    return f"INV-{month:%Y%m}-{organisation.id:04d}"


def share_total(share: Share) -> int:
    return line_total(share.unit_price_satang, share.invoiced_quantity)


def uninvoiced(organisation: Organisation, month: date) -> list[Share]:
    """Received deliveries not yet invoiced, up to the end of `month`: one weighed in after its month's invoice
    was issued goes on the next invoice, never on none."""
    return list(db.session.scalars(
        sa.select(Share).join(BulkLine, BulkLine.id == Share.line_id).join(BulkOrder, BulkOrder.id == BulkLine.order_id)
        .where(BulkOrder.organisation_id == organisation.id, Share.status == ShareStatus.RECEIVED,
               Share.invoice_id.is_(None), BulkOrder.delivery_on < next_month(month))
        .order_by(BulkOrder.delivery_on, Share.id)
    ))


def issue(acting: User, organisation: Organisation, month: date) -> Invoice:
    """Invoice a month that has ended: its received deliveries (and any earlier ones weighed in late), once each."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotAllowed(_l("Only a coordinator issues invoices."))
    month = month_start(month)
    if month >= month_start(today()):
        raise BulkError(_l("Invoice a month once it has ended: deliveries may still come in."))
    if db.session.scalar(sa.select(Invoice.id).where(Invoice.organisation_id == organisation.id,
                                                     Invoice.month == month)) is not None:
        raise BulkError(_l("That month is invoiced already."))
    shares = uninvoiced(organisation, month)
    if not shares:
        raise BulkError(_l("Nothing was received that month, so there is nothing to invoice."))
    issued = today()
    profile = profile_of(organisation)
    due = issued if profile.payment_terms is PaymentTerms.PAY_NOW else issued + timedelta(days=profile.invoice_days)
    invoice = Invoice(number=invoice_number(organisation, month), organisation_id=organisation.id, month=month,
                      issued_on=issued, due_on=due,
                      total_satang=sum(share_total(share) for share in shares), status=InvoiceStatus.ISSUED,
                      issued_by_id=acting.id)
    db.session.add(invoice)
    db.session.flush()
    # Only shares still uninvoiced are taken: of two coordinators issuing at once, one gets them all.
    taken = db.session.execute(
        sa.update(Share).where(Share.id.in_([share.id for share in shares]), Share.invoice_id.is_(None))
        .values(invoice_id=invoice.id).execution_options(synchronize_session=False)
    ).rowcount
    if taken != len(shares):
        raise BulkError(_l("Someone else invoiced these deliveries a moment ago."))
    for share in shares:
        db.session.expire(share, ["invoice_id", "invoice"])
    db.session.flush()
    notify.invoice_issued(invoice)
    return invoice


def mark_paid(acting: User, invoice: Invoice, reference: str) -> None:
    """A coordinator records a bank transfer that arrived (the bank's reference)."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotAllowed()
    reference = squeeze(reference)
    if not reference:
        raise BulkError(_l("Enter the bank transfer's reference."))
    # Conditional on ISSUED: a PromptPay payment landing at the same moment is not overwritten, it is flagged.
    check_invoice_move(invoice.status, InvoiceStatus.PAID)
    if not compare_and_set(invoice, "status", InvoiceStatus.PAID):
        raise IllegalMove(_l("This invoice is paid already."))
    invoice.paid_at, invoice.paid_by_id = utcnow(), acting.id
    invoice.payment_reference = reference[:120]
    db.session.flush()


def can_view_invoice(user: User, invoice: Invoice) -> bool:
    return can_view(user, invoice.organisation)


@dataclass
class FarmPart:
    farmer: User
    lines: list[Share]
    total_satang: int


def invoice_shares(invoice: Invoice) -> list[Share]:
    return list(db.session.scalars(
        sa.select(Share).where(Share.invoice_id == invoice.id)
        .options(joinedload(Share.line).joinedload(BulkLine.order), joinedload(Share.line).joinedload(BulkLine.crop),
                 joinedload(Share.plot), joinedload(Share.farmer))
        .order_by(Share.id)
    ))


def farm_breakdown(shares: list[Share]) -> list[FarmPart]:
    """Each farm's part of an invoice: what it delivered and what it is owed."""
    by_farm: dict[int, list[Share]] = defaultdict(list)
    for share in shares:
        by_farm[share.farmer_id].append(share)
    parts = [FarmPart(group[0].farmer, group, sum(share_total(s) for s in group)) for group in by_farm.values()]
    return sorted(parts, key=lambda part: part.farmer.display_name)


def invoices_of(organisations: list[Organisation]) -> list[Invoice]:
    if not organisations:
        return []
    return list(db.session.scalars(
        sa.select(Invoice).where(Invoice.organisation_id.in_([o.id for o in organisations]))
        .options(joinedload(Invoice.organisation)).order_by(Invoice.month.desc(), Invoice.id.desc()).limit(100)
    ))
