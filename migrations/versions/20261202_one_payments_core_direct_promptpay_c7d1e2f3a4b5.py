"""One payments core: every payment (a checkout, an order paid straight to its farmer, an invoice, a pledge) in one
table keyed by (kind, subject_id); PromptPay IDs of sellers; transfer slips with a reference unique across all
payments; refunds per part of a payment. The Stripe rows of payments, invoice_payments and support_payments are
carried over; the three old tables go.

Revision ID: c7d1e2f3a4b5
Revises: 5b0c1d2e3f40
Create Date: 2026-12-02 17:30:00.000000

"""
import secrets
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7d1e2f3a4b5'
down_revision = '5b0c1d2e3f40'
branch_labels = None
depends_on = None

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_STATUS = ('pending', 'slip_sent', 'succeeded', 'failed', 'cancelled')
_OLD_STATUS = ('pending', 'succeeded', 'failed', 'cancelled')


def _reference() -> str:
    return "GS" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


_WHEN = ("created_at", "updated_at")


def _rows(connection, sql: str) -> list[dict]:
    """Rows as dicts; SQLite hands timestamps back as text, which the DateTime columns then refuse."""
    rows = [dict(row._mapping) for row in connection.execute(sa.text(sql))]
    for row in rows:
        for name in _WHEN:
            if isinstance(row.get(name), str):
                row[name] = datetime.fromisoformat(row[name])
    return rows


def upgrade():
    connection = op.get_bind()
    old_payments = _rows(connection, "SELECT p.*, c.consumer_id FROM payments p JOIN checkouts c ON c.id = p.checkout_id")
    old_refunds = _rows(connection, "SELECT * FROM refunds")
    old_invoice = _rows(connection, "SELECT * FROM invoice_payments")
    old_support = _rows(connection, "SELECT * FROM support_payments")

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
    op.drop_table('refunds')
    op.drop_table('payments')
    with op.batch_alter_table('support_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_payments_pledge_id'))
    op.drop_table('support_payments')
    op.drop_table('invoice_payments')

    payments = op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('stripe_promptpay', 'stripe_card', 'promptpay_direct', name='channel', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum(*_STATUS, name='paymentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('amount_satang', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=True),
    sa.Column('intent_id', sa.String(length=255), nullable=True),
    sa.Column('qr_image_url', sa.String(length=1000), nullable=False),
    sa.Column('hosted_instructions_url', sa.String(length=1000), nullable=False),
    sa.Column('failure_message', sa.Text(), nullable=False),
    sa.Column('payee', sa.String(length=40), nullable=False),
    sa.Column('payee_id_kind', sa.String(length=16), nullable=False),
    sa.Column('payee_id_value', sa.String(length=20), nullable=False),
    sa.Column('payee_name', sa.String(length=120), nullable=False),
    sa.Column('slip_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('needs_attention', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('attention_note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_satang > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_payments_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payer_id'], ['users.id'], name=op.f('fk_payments_payer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('intent_id', name=op.f('uq_payments_intent_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_payments_reference'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_kind_subject', ['kind', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_payer_id'), ['payer_id'], unique=False)

    op.create_table('promptpay_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('id_kind', sa.String(length=16), nullable=False),
    sa.Column('id_value', sa.String(length=20), nullable=False),
    sa.Column('account_name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("id_kind IN ('mobile', 'national_id', 'ewallet')", name=op.f('ck_promptpay_accounts_id_kind_known')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_promptpay_accounts_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promptpay_accounts')),
    sa.UniqueConstraint('owner', name=op.f('uq_promptpay_accounts_owner'))
    )
    op.create_table('payment_slips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('sending_bank', sa.String(length=8), nullable=False),
    sa.Column('amount_satang', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('image_key', sa.String(length=255), nullable=False),
    sa.Column('verified_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('refused_reason', sa.Text(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_slips_payment_id_payments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_payment_slips_sent_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_slips')),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_slips_reference'))
    )
    with op.batch_alter_table('payment_slips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_slips_payment_id'), ['payment_id'], unique=False)

    refunds = op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=64), nullable=False),
    sa.Column('amount_satang', sa.BigInteger(), nullable=False),
    sa.Column('provider_ref', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_refunds_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('payment_id', 'part', name=op.f('uq_refunds_payment_id_part')),
    sa.UniqueConstraint('provider_ref', name=op.f('uq_refunds_provider_ref'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)

    # Carry the Stripe payments over: checkouts keep their ids (refunds point at them), the others follow.
    def row(old: dict, kind: str, subject_id: int, payer_id, channel: str) -> dict:
        return {"reference": _reference(), "kind": kind, "subject_id": subject_id, "channel": channel,
                "status": old["status"], "amount_satang": old["amount_satang"], "currency": "thb", "payer_id": payer_id,
                "intent_id": old["intent_id"], "qr_image_url": old["qr_image_url"],
                "hosted_instructions_url": old["hosted_instructions_url"], "failure_message": old["failure_message"],
                "payee": "", "payee_id_kind": "", "payee_id_value": "", "payee_name": "",
                "needs_attention": bool(old.get("needs_attention") or False), "attention_note": old.get("attention_note") or "",
                "updated_at": old.get("updated_at") or old["created_at"], "created_at": old["created_at"]}

    rows = [{"id": old["id"], **row(old, "checkout", old["checkout_id"], old["consumer_id"],
                                    "stripe_card" if old["method"] == "card" else "stripe_promptpay")}
            for old in old_payments]
    # The others get ids after the carried ones, given here: a sequence still at 1 would hand out a taken id.
    next_id = max((r["id"] for r in rows), default=0) + 1
    later = ([row(old, "invoice", old["invoice_id"], None, "stripe_promptpay") for old in old_invoice]
             + [row(old, "pledge", old["pledge_id"], old["started_by_id"], "stripe_promptpay") for old in old_support])
    rows += [{"id": next_id + number, **later_row} for number, later_row in enumerate(later)]
    if rows:
        op.bulk_insert(payments, rows)
    if old_refunds:
        op.bulk_insert(refunds, [{"id": old["id"], "payment_id": old["payment_id"], "part": f"order:{old['order_id']}",
                                  "amount_satang": old["amount_satang"], "provider_ref": old["stripe_refund_id"],
                                  "status": old["status"], "recorded_by_id": None, "created_at": old["created_at"]}
                                 for old in old_refunds])
    _move_sequences(connection, ("payments", "refunds"))


def _move_sequences(connection, tables) -> None:
    """PostgreSQL: after rows were written with their ids, the next id comes after the largest."""
    if connection.dialect.name == "postgresql":
        for table in tables:
            connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))


def downgrade():
    connection = op.get_bind()
    # Direct PromptPay payments, money with no match and refunds due have no place in the old tables: rather than
    # drop money records, the downgrade stops while there are any.
    at_risk = connection.execute(sa.text(
        "SELECT COUNT(*) FROM payments WHERE channel = 'promptpay_direct' OR kind NOT IN ('checkout', 'invoice', "
        "'pledge') OR status = 'slip_sent'")).scalar()
    if at_risk:
        raise RuntimeError(f"{at_risk} payments (direct PromptPay, unmatched, or with a slip) would be lost by this "
                           "downgrade: export and settle them first")
    stripe_rows = _rows(connection, "SELECT * FROM payments WHERE channel <> 'promptpay_direct' AND status <> 'slip_sent'")
    old_refunds = _rows(connection, "SELECT r.* FROM refunds r JOIN payments p ON p.id = r.payment_id "
                                    "WHERE p.kind = 'checkout' AND r.provider_ref IS NOT NULL")
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
    op.drop_table('refunds')
    with op.batch_alter_table('payment_slips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_slips_payment_id'))
    op.drop_table('payment_slips')
    op.drop_table('promptpay_accounts')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_payer_id'))
        batch_op.drop_index('ix_payments_kind_subject')
    op.drop_table('payments')

    status = sa.Enum(*_OLD_STATUS, name='paymentstatus', native_enum=False, length=32)
    payments = op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkout_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('cash', 'transfer', 'promptpay', 'card', name='paymentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('intent_id', sa.String(length=255), nullable=False),
    sa.Column('amount_satang', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', status, nullable=False),
    sa.Column('qr_image_url', sa.String(length=1000), nullable=False),
    sa.Column('hosted_instructions_url', sa.String(length=1000), nullable=False),
    sa.Column('failure_message', sa.Text(), nullable=False),
    sa.Column('needs_attention', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('attention_note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkout_id'], ['checkouts.id'], name=op.f('fk_payments_checkout_id_checkouts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('checkout_id', name=op.f('uq_payments_checkout_id')),
    sa.UniqueConstraint('intent_id', name=op.f('uq_payments_intent_id'))
    )
    refunds = op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount_satang', sa.Integer(), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('order_id', name=op.f('uq_refunds_order_id')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_refunds_stripe_refund_id'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)
    invoice = op.create_table('invoice_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('intent_id', sa.String(length=255), nullable=False),
    sa.Column('amount_satang', sa.Integer(), nullable=False),
    sa.Column('status', status, nullable=False),
    sa.Column('qr_image_url', sa.String(length=1000), nullable=False),
    sa.Column('hosted_instructions_url', sa.String(length=1000), nullable=False),
    sa.Column('failure_message', sa.Text(), nullable=False),
    sa.Column('needs_attention', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('attention_note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_payments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_payments')),
    sa.UniqueConstraint('intent_id', name=op.f('uq_invoice_payments_intent_id')),
    sa.UniqueConstraint('invoice_id', name=op.f('uq_invoice_payments_invoice_id'))
    )
    support = op.create_table('support_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('intent_id', sa.String(length=255), nullable=False),
    sa.Column('amount_satang', sa.Integer(), nullable=False),
    sa.Column('status', status, nullable=False),
    sa.Column('qr_image_url', sa.String(length=1000), nullable=False),
    sa.Column('hosted_instructions_url', sa.String(length=1000), nullable=False),
    sa.Column('failure_message', sa.Text(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pledge_id'], ['support_pledges.id'], name=op.f('fk_support_payments_pledge_id_support_pledges')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_support_payments_started_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_payments')),
    sa.UniqueConstraint('intent_id', name=op.f('uq_support_payments_intent_id'))
    )
    with op.batch_alter_table('support_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_payments_pledge_id'), ['pledge_id'], unique=False)

    common = ("intent_id", "amount_satang", "status", "qr_image_url", "hosted_instructions_url", "failure_message")
    seen_checkouts, seen_invoices = set(), set()
    for old in stripe_rows:
        base = {name: old[name] for name in common}
        if old["kind"] == "checkout" and old["subject_id"] not in seen_checkouts:
            seen_checkouts.add(old["subject_id"])
            op.bulk_insert(payments, [{**base, "id": old["id"], "checkout_id": old["subject_id"], "currency": "thb",
                                       "method": "card" if old["channel"] == "stripe_card" else "promptpay",
                                       "needs_attention": old["needs_attention"], "attention_note": old["attention_note"],
                                       "updated_at": old["updated_at"], "created_at": old["created_at"]}])
        elif old["kind"] == "invoice" and old["subject_id"] not in seen_invoices:
            seen_invoices.add(old["subject_id"])
            op.bulk_insert(invoice, [{**base, "invoice_id": old["subject_id"], "needs_attention": old["needs_attention"],
                                      "attention_note": old["attention_note"], "updated_at": old["updated_at"],
                                      "created_at": old["created_at"]}])
        elif old["kind"] == "pledge":
            op.bulk_insert(support, [{**base, "pledge_id": old["subject_id"], "started_by_id": old["payer_id"],
                                      "created_at": old["created_at"]}])
    kept = {old["id"] for old in stripe_rows if old["kind"] == "checkout"}
    rows = [{"id": old["id"], "payment_id": old["payment_id"], "order_id": int(old["part"].split(":")[1]),
             "amount_satang": old["amount_satang"], "stripe_refund_id": old["provider_ref"], "status": old["status"],
             "created_at": old["created_at"]} for old in old_refunds
            if old["payment_id"] in kept and old["part"].startswith("order:")]
    if rows:
        op.bulk_insert(refunds, rows)
    _move_sequences(connection, ("payments", "refunds", "invoice_payments", "support_payments"))
