"""A checkout paid by PromptPay straight to the farmer, beside the same checkout paid in cash at pickup.

Figure: checkouts per second through the real service, one buyer after another, for "PromptPay to the farmer"
(reserve, order, the payment row with the seller's PromptPay ID, the EMVCo payload and its QR code drawn as the
buyer's page will ask for it) and, in the same run on the same database, for cash at pickup (reserve and order
only), which is the floor. Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")


from bench.support import database, demo_app, report, sale_listing  # noqa: E402
from greensmile.accounts import services as accounts  # noqa: E402
from greensmile.accounts.models import Role  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.orders import services as orders  # noqa: E402
from greensmile.orders.models import PaymentMethod  # noqa: E402
from greensmile.payments import promptpay  # noqa: E402
from greensmile.payments import services as payments  # noqa: E402

ROUNDS = 300


def _setup(app) -> tuple[int, int, int, int]:
    listing_id, farmer_id, point_id = sale_listing(app, ROUNDS * 4)
    with app.app_context():
        payments.set_account(f"user:{farmer_id}", "0812345678", "เกษตรกรทดสอบ", farmer_id)
        buyer = accounts.create_user(email=f"bench-direct-{uuid.uuid4().hex[:8]}@example.com", display_name="ผู้ซื้อ",
                                     password="x" * 12, roles=(Role.CONSUMER,))
        db.session.commit()
        return listing_id, farmer_id, point_id, buyer.id


def _run(app, method: PaymentMethod, listing_id: int, farmer_id: int, point_id: int, buyer_id: int) -> float:
    with app.test_request_context():
        buyer = db.session.get(accounts.User, buyer_id)
        started = time.perf_counter()
        for _ in range(ROUNDS):
            placed = orders.place_order(buyer, {listing_id: Decimal(1)}, {farmer_id: orders.PickupChoice(point_id)},
                                        method)
            db.session.commit()
            if method is PaymentMethod.PROMPTPAY_SELLER:
                for payment in orders.direct_payments(placed):
                    promptpay.qr_png(payments.direct_payload(payment))
        return ROUNDS / (time.perf_counter() - started)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, url = demo_app(folder)
        ids = _setup(app)
        _run(app, PaymentMethod.CASH, *ids)  # warm-up: the first queries compile, the caches fill
        cash = _run(app, PaymentMethod.CASH, *ids)
        direct = _run(app, PaymentMethod.PROMPTPAY_SELLER, *ids)
        with app.app_context():
            db.engine.dispose()
    print(f"database: {url.split(':')[0]}, {ROUNDS} checkouts of each kind, one after another")
    print(f"PromptPay to the farmer (order + payment + QR payload + PNG): {direct:,.1f}/s")
    print(f"floor, cash at pickup (order only): {cash:,.1f}/s")
    report("checkout paid by PromptPay to the farmer vs cash at pickup", direct, cash, "/s", database=database(url))


if __name__ == "__main__":
    main()
