"""The impact figures against a fixture built by hand: every figure below is worked out from the rows the test
makes, not read back from the database; the page and the API show them; the queries do not grow with the data."""
from __future__ import annotations

import math
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.bulk import delivery
from greensmile.bulk import shares as sharing
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.impact import figures
from greensmile.listings import services as listings
from greensmile.network import services as network
from greensmile.network.models import OrganisationKind, Position
from greensmile.orders import services as orders
from greensmile.orders.models import PaymentMethod
from greensmile.supporters import services as support
from greensmile.supporters.models import DeliveryVia, SupportKind
from greensmile.trees import services as trees
from greensmile.trees.models import TreeStatus
from tests.bulk.helpers import make_kitchen, on_the_day, order_for
from tests.factories import make_organisation, make_user
from tests.orders.helpers import listing_data, stall
from tests.trees.helpers import make_tree_bank

D = Decimal


def _by_hand_value(girth_cm: float, height_m: float, baht_per_m3: int) -> int:
    """V = 0.5 × g² × H ÷ 4π (g in m), to 0.0001 m³, times the price in satang."""
    volume = D(str(0.5 * (girth_cm / 100) ** 2 * height_m / (4 * math.pi))).quantize(D("0.0001"))
    return int(volume * baht_per_m3 * 100)


def _by_hand_co2(density: float, girth_cm: float, height_m: float) -> float:
    d = girth_cm / math.pi
    return 0.0673 * (density * d * d * height_m) ** 0.976 * 0.47 * 44 / 12


def _fixture():
    kitchen = make_kitchen(a="40", b="30")  # plots a and b certified organic; plot c not; groups ก and ข
    kitchen.plot_a.area_m2, kitchen.plot_b.area_m2, kitchen.plot_c.area_m2 = D("3200"), D("800"), D("16000")
    # A consumer buys 2.5 kg at ฿60 and collects it; another order is placed but not collected.
    point = stall(kitchen.coordinator)
    listing = listings.create_listing(kitchen.farmer_a, listing_data(kitchen.plot_a.id, [point.id],
                                                                     price_satang=6000, quantity=D("10")))
    eater = make_user(Role.CONSUMER, email="eater@example.com")
    choice = {kitchen.farmer_a.id: orders.PickupChoice(point.id)}
    (collected,) = orders.place_order(eater, {listing.id: D("2.5")}, choice, PaymentMethod.CASH).orders
    orders.mark_ready(collected, kitchen.farmer_a)
    orders.mark_collected(collected, kitchen.farmer_a)
    orders.place_order(eater, {listing.id: D("1")}, choice, PaymentMethod.CASH)
    # The kitchen orders 50 kg at ฿45 a kg; farm a's share (25 kg) is weighed in at 24 kg, farm b's share is rejected.
    order = order_for(kitchen, "50")
    sharing.propose(kitchen.coordinator, order)
    share_a, share_b = sorted(order.lines[0].shares, key=lambda s: s.plot_id != kitchen.plot_a.id)
    for share in (share_a, share_b):
        sharing.confirm_share(share.farmer, share)
    # Trees: a tree-bank group with two measured teak trees (฿2,000 a m³) and a felled one.
    bank = make_tree_bank(tags=("T-001", "T-002", "T-003"))
    trees.record_day(bank.farmer, bank.plot, today(), [
        trees.MeasurementData(str(uuid.uuid4()), "T-001", D("94.2"), D("12.5")),
        trees.MeasurementData(str(uuid.uuid4()), "T-002", D("62.8"), D("9")),
        trees.MeasurementData(str(uuid.uuid4()), "T-003", D("80"), D("10"))])
    trees.take_down(bank.farmer, bank.trees[2], TreeStatus.FELLED, "ล้ม")
    # Supporters: a foundation's public money pledge (฿20,000 of ฿50,000 transferred) and a private one (฿7,000:
    # its amount stays private, so it is not added), a council's public training (given in full), and a withdrawn
    # pledge (not counted).
    foundation = make_organisation(OrganisationKind.FOUNDATION, name="มูลนิธิทดสอบ")
    council = make_organisation(OrganisationKind.LOCAL_GOVERNMENT, name="อบต.ทดสอบ")
    giver = make_user(Role.SUPPORTER, email="giver@example.com")
    network.add_member(foundation, giver.email, Position.MEMBER, kitchen.coordinator)
    network.add_member(council, giver.email, Position.MEMBER, kitchen.coordinator)
    money = support.make_pledge(giver, foundation, support.PledgeData(
        SupportKind.MONEY, "ทุนค่าตรวจ", amount_satang=5_000_000, public=True, public_amount=True))
    support.record_delivery(giver, money, support.DeliveryData(today(), DeliveryVia.BANK_TRANSFER,
                                                               amount_satang=2_000_000, reference="T1"))
    private = support.make_pledge(giver, foundation, support.PledgeData(SupportKind.MONEY, "ทุนลับ",
                                                                        amount_satang=900_000))
    support.record_delivery(giver, private, support.DeliveryData(today(), DeliveryVia.BANK_TRANSFER,
                                                                 amount_satang=700_000, reference="T2"))
    training = support.make_pledge(giver, council, support.PledgeData(SupportKind.TRAINING, "อบรมปุ๋ยหมัก",
                                                                      public=True))
    support.record_delivery(giver, training, support.DeliveryData(today(), DeliveryVia.IN_KIND, completes=True))
    gone = support.make_pledge(giver, council, support.PledgeData(SupportKind.INPUTS, "เมล็ดพันธุ์", public=True))
    support.withdraw(giver, gone, "ยกเลิก")
    return kitchen, order, share_a, share_b


def test_the_impact_figures_match_a_hand_built_fixture(app_ctx):
    kitchen, order, share_a, share_b = _fixture()
    with on_the_day(order.delivery_on):
        assert share_a.quantity == D("25")
        delivery.receive(kitchen.buyer, share_a, D("24"))
        delivery.reject(kitchen.buyer, share_b, "ผักเหี่ยว")
        impact = figures.compute()

    (organic,) = [s for s in impact.standards if s.code == "pgs-organic"]
    assert (organic.plots, organic.area_rai) == (2, D("2.50"))  # 3,200 m² + 800 m² = 2.5 rai; plot c not counted
    assert (impact.farmers, impact.groups) == (4, 3)  # farmers a, b, c and the tree farmer; ก, ข and the tree bank
    assert (impact.consumers.kg, impact.consumers.satang) == (D("2.50"), 15_000)  # 2.5 kg × ฿60, collected only
    assert (impact.institutions.kg, impact.institutions.satang) == (D("24.00"), 24 * 4500)  # rejected share not counted
    assert impact.trees == 2 and impact.trees_valued == 2  # the felled tree is not counted
    assert impact.trees_value_satang == _by_hand_value(94.2, 12.5, 2000) + _by_hand_value(62.8, 9, 2000) == 116_500
    expected_co2 = _by_hand_co2(0.601, 94.2, 12.5) + _by_hand_co2(0.601, 62.8, 9)
    assert abs(impact.trees_co2_kg - expected_co2) < 1e-6 and impact.trees_with_carbon == 2
    assert impact.supporters == 2 and impact.support_delivered_satang == 2_000_000
    by_kind = {s.kind: (s.pledges, s.delivered) for s in impact.support}
    assert by_kind == {"money": (2, 0), "inputs": (0, 0), "training": (1, 1), "purchase_guarantee": (0, 0)}
    assert sorted((p.supporter, p.title, p.amount_satang) for p in impact.public_pledges) == [
        ("มูลนิธิทดสอบ", "ทุนค่าตรวจ", 5_000_000), ("อบต.ทดสอบ", "อบรมปุ๋ยหมัก", None)]  # never the private one


def test_the_page_and_the_api_show_the_figures_with_svg_charts(client, given, app):
    with given():
        make_tree_bank()
    for _ in range(2):  # the first visits write the session cookie (the language form's token, then Flask-Login's
        client.get("/")  # mark), and an answer that sets a cookie is never public
    page = client.get("/impact")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in body and 'data-figure="trees">2<' in body
    assert "cdn" not in body.lower() and "public, max-age=" in page.headers["Cache-Control"]
    data = client.get("/api/v1/impact").get_json()
    assert data["trees"] == 2 and data["carbon_equation"].startswith("AGB = 0.0673")


def test_the_figures_are_cached_briefly(client, given, app):
    with given():
        make_tree_bank(tags=("T-1",))
    app.config["IMPACT_CACHE_SECONDS"] = 300
    figures._cache.clear()  # what earlier tests left
    try:
        assert client.get("/api/v1/impact").get_json()["trees"] == 1
        with given():
            from greensmile.trees.models import Species
            bank_plot = db.session.scalar(sa.select(trees.Plot))
            teak = db.session.scalar(sa.select(Species))
            farmer = bank_plot.owner
            trees.register_tree(farmer, bank_plot, trees.TreeData("T-2", teak.id))
        assert client.get("/api/v1/impact").get_json()["trees"] == 1  # within the cache's life: the same figures
        figures._cache.clear()
        assert client.get("/api/v1/impact").get_json()["trees"] == 2
    finally:
        app.config["IMPACT_CACHE_SECONDS"] = 0
        figures._cache.clear()


def test_the_impact_runs_the_same_number_of_queries_however_many_trees(app_ctx, app):
    def queries() -> int:
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            figures.compute()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    bank = make_tree_bank(tags=("A-1",))
    small = queries()
    for n in range(40):
        tree = trees.register_tree(bank.farmer, bank.plot, trees.TreeData(f"B-{n}", bank.teak.id))
        trees.record_day(bank.farmer, bank.plot, today() - timedelta(days=n), [
            trees.MeasurementData(str(uuid.uuid4()), tree.tag, D("50") + n, D("8"))])
    assert queries() == small


def test_the_figures_summed_in_sql_equal_those_worked_out_row_by_row(app_ctx, monkeypatch):
    """Certified plots are counted, and CO₂ summed, in the database; the row-by-row way (kept for an SQLite without
    power(), and for group-held standards) gives the same figures, a lapsed certificate left out by both."""
    from greensmile.certification import charter
    from greensmile.certification import services as certification
    from greensmile.certification.models import CertStatus
    from greensmile.certification.overview import statuses
    from greensmile.plots.models import Plot
    from greensmile.trees import carbon

    kitchen, order, _share_a, _share_b = _fixture()
    # Plot c's certificate says "certified" still, but its date passed yesterday: it counts under neither way.
    lapsed = certification.certification_for(kitchen.plot_c, charter.ensure_pgs_standard())
    lapsed.status, lapsed.valid_from = CertStatus.CERTIFIED, today() - timedelta(days=400)
    lapsed.valid_until = today() - timedelta(days=1)
    db.session.flush()
    with on_the_day(today()):
        in_sql = figures.compute()
        monkeypatch.setattr(carbon, "can_sum_in_sql", lambda dialect: False)
        row_by_row = figures.compute()
        for standard in in_sql.standards:
            ids = list(db.session.scalars(sa.select(Plot.id)))
            valid = [plot_id for plot_id, status in statuses(ids, None, standard.code).items()
                     if status.is_valid_certificate]
            assert standard.plots == len(valid)
    assert [s.plots for s in in_sql.standards if s.code == "pgs-organic"] == [2]  # a and b; not the lapsed c
    assert in_sql.trees_with_carbon == row_by_row.trees_with_carbon == 2
    assert (in_sql.trees_valued, in_sql.trees_value_satang) == (row_by_row.trees_valued,
                                                                 row_by_row.trees_value_satang) == (2, 116_500)
    assert in_sql.trees_co2_kg == pytest.approx(row_by_row.trees_co2_kg, rel=1e-12)
    assert [(s.code, s.plots, s.area_rai) for s in in_sql.standards] == [
        (s.code, s.plots, s.area_rai) for s in row_by_row.standards]
