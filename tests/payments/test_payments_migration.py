"""The payments-core migration keeps every Stripe payment the three old tables held, and gives them back on a
downgrade: money records are not lost to a schema change. The first checkout payment has id 1, as in a real
database, so the carried rows and the database's own ids must not collide."""
from __future__ import annotations

from datetime import date, datetime, timezone

import flask_migrate
import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts.models import Role, User
from greensmile.bulk.models import Invoice
from greensmile.extensions import db
from greensmile.listings.models import PickupKind, PickupPoint
from greensmile.network.models import OrganisationKind
from greensmile.orders.models import Checkout, Order, OrderStatus, PaymentMethod
from greensmile.payments.models import Channel, Payment, PaymentStatus, Refund
from greensmile.supporters.models import SupportKind, SupportPledge
from tests.dbutil import lent_columns, lent_snapshots, scratch_database
from tests.factories import make_organisation, make_user

BEFORE = "5b0c1d2e3f40"
STAMP = datetime(2026, 12, 1, 5, 0, tzinfo=timezone.utc)


def _old_rows(consumer, checkout, order, invoice, pledge) -> None:
    stamp = STAMP.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else STAMP
    common = {"qr": "", "hosted": "", "now": stamp}
    db.session.execute(sa.text(
        "INSERT INTO payments (id, checkout_id, method, intent_id, amount_satang, currency, status, qr_image_url, "
        "hosted_instructions_url, failure_message, needs_attention, attention_note, updated_at, created_at) VALUES "
        "(1, :checkout, 'card', 'pi_old_checkout', 12000, 'thb', 'succeeded', :qr, :hosted, '', :flag, '', :now, "
        ":now)"), {**common, "checkout": checkout.id, "flag": False})
    db.session.execute(sa.text(
        "INSERT INTO refunds (id, payment_id, order_id, amount_satang, stripe_refund_id, status, created_at) VALUES "
        "(1, 1, :order, 12000, 're_old_1', 'succeeded', :now)"), {**common, "order": order.id})
    db.session.execute(sa.text(
        "INSERT INTO invoice_payments (invoice_id, intent_id, amount_satang, status, qr_image_url, "
        "hosted_instructions_url, failure_message, needs_attention, attention_note, updated_at, created_at) VALUES "
        "(:invoice, 'pi_old_invoice', 270000, 'succeeded', :qr, :hosted, '', :flag, 'paid twice', :now, :now)"),
        {**common, "invoice": invoice.id, "flag": True})
    db.session.execute(sa.text(
        "INSERT INTO support_payments (pledge_id, intent_id, amount_satang, status, qr_image_url, "
        "hosted_instructions_url, failure_message, started_by_id, created_at) VALUES "
        "(:pledge, 'pi_old_pledge', 500000, 'failed', :qr, :hosted, 'declined', :payer, :now)"),
        {**common, "pledge": pledge.id, "payer": consumer.id})
    db.session.commit()


@pytest.mark.own_app
def test_the_stripe_rows_of_the_old_tables_are_carried_over_and_back(database_url, tmp_path):
    with scratch_database(database_url, "paymig", tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            try:
                flask_migrate.upgrade(revision=BEFORE)
                with lent_columns(db.engine, User.__table__.c.email_confirmed_at), lent_snapshots(db.engine):
                    consumer, farmer = make_user(Role.CONSUMER, email="c@example.com"), make_user(Role.FARMER)
                    kitchen = make_organisation(OrganisationKind.HOSPITAL_KITCHEN, name="ครัว")
                    foundation = make_organisation(OrganisationKind.FOUNDATION, name="มูลนิธิ")
                    point = PickupPoint(kind=PickupKind.MARKET_STALL, name="แผง")
                    checkout = Checkout(consumer_id=consumer.id, payment_method=PaymentMethod.CARD, total_satang=12000)
                    order = Order(checkout=checkout, consumer_id=consumer.id, farmer_id=farmer.id, pickup_point=point,
                                  status=OrderStatus.REFUNDED, payment_method=PaymentMethod.CARD, subtotal_satang=12000,
                                  total_satang=12000)
                    invoice = Invoice(number="INV-1", organisation_id=kitchen.id, month=date(2026, 11, 1),
                                      issued_on=date(2026, 12, 1), due_on=date(2026, 12, 31), total_satang=270000)
                    pledge = SupportPledge(supporter_id=foundation.id, kind=SupportKind.MONEY, title="ทุน",
                                           starts_on=date(2026, 12, 1), amount_satang=500000)
                    db.session.add_all([point, checkout, order, invoice, pledge])
                    db.session.commit()
                    consumer_id = consumer.id  # for after the downgrade, when users lacks the lent column
                    _old_rows(consumer, checkout, order, invoice, pledge)  # it commits: no transaction holds users

                flask_migrate.upgrade()
                rows = {p.kind: p for p in db.session.scalars(sa.select(Payment))}
                assert set(rows) == {"checkout", "invoice", "pledge"}
                paid = rows["checkout"]
                assert (paid.id, paid.subject_id, paid.channel, paid.status, paid.intent_id, paid.payer_id) == (
                    1, checkout.id, Channel.STRIPE_CARD, PaymentStatus.SUCCEEDED, "pi_old_checkout", consumer.id)
                assert (rows["invoice"].subject_id, rows["invoice"].needs_attention, rows["invoice"].attention_note) == (
                    invoice.id, True, "paid twice")
                assert (rows["pledge"].status, rows["pledge"].failure_message, rows["pledge"].payer_id) == (
                    PaymentStatus.FAILED, "declined", consumer.id)
                assert len({p.reference for p in rows.values()}) == 3
                (refund,) = db.session.scalars(sa.select(Refund)).all()
                assert (refund.payment_id, refund.part, refund.provider_ref) == (1, f"order:{order.id}", "re_old_1")
                # New rows take ids after the carried ones (PostgreSQL's sequences were moved on).
                db.session.add(Payment(kind="checkout", subject_id=checkout.id, channel=Channel.STRIPE_PROMPTPAY,
                                       amount_satang=1000))
                db.session.commit()
                db.session.execute(sa.delete(Payment).where(Payment.intent_id.is_(None)))
                db.session.commit()

                flask_migrate.downgrade(revision=BEFORE)
                with db.engine.connect() as connection:
                    back = {table: connection.execute(sa.text(f"SELECT intent_id FROM {table}")).scalars().all()
                            for table in ("payments", "invoice_payments", "support_payments")}
                    refunds = connection.execute(sa.text("SELECT order_id, stripe_refund_id FROM refunds")).all()
                assert back == {"payments": ["pi_old_checkout"], "invoice_payments": ["pi_old_invoice"],
                                "support_payments": ["pi_old_pledge"]}
                assert [tuple(row) for row in refunds] == [(order.id, "re_old_1")]
                another = Checkout(consumer_id=consumer_id, payment_method=PaymentMethod.CARD, total_satang=5000)
                db.session.add(another)
                db.session.flush()
                other_id = another.id
                db.session.commit()  # and the session holds no transaction (SQLite's write lock) from here
                with db.engine.begin() as connection:  # the next payment after the downgrade takes a free id
                    connection.execute(sa.text(
                        "INSERT INTO payments (checkout_id, method, intent_id, amount_satang, currency, status, "
                        "qr_image_url, hosted_instructions_url, failure_message, needs_attention, attention_note, "
                        "updated_at, created_at) SELECT :other, method, 'pi_after', amount_satang, currency, "
                        "status, '', '', '', needs_attention, '', updated_at, created_at FROM payments"),
                        {"other": other_id})
            finally:
                db.session.remove()
                db.engine.dispose()
