"""The QR page from one snapshot never shows a stale page: each thing the page shows is changed in turn and the page
read at once; a certificate that lapses by date shows it at 00:00 with no rebuild; and with Redis the page is kept
and served with no SQL at all, until a change commits."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import redis
import sqlalchemy as sa
import time_machine

from greensmile.accounts.models import User
from greensmile.certification import residue
from greensmile.certification import services as certification
from greensmile.certification.models import Certification, ResidueMethod, ResidueResult
from greensmile.clock import BANGKOK, today
from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.network.models import Organisation
from greensmile.plots import services as plots
from greensmile.plots.models import Plot, PlotPhoto
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose
from greensmile.public.models import PublicSnapshot
from tests.certification.helpers import certified, make_cycle, png
from tests.factories import crop
from tests.orders.helpers import listing_data, stall
from tests.public.test_public_pages import counting_queries

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def scene(given):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
        privacy.record(cycle.farmer, Purpose.PUBLIC_NAME, True, cycle.farmer)
        point = stall(cycle.coordinator)
        return {"code": cycle.plot.code, "plot": cycle.plot.id, "cert": cert.id, "farmer": cycle.farmer.id,
                "committee": cycle.committee.id, "coordinator": cycle.coordinator.id, "group": cycle.group.id,
                "stall": point.id, "valid_until": cert.valid_until}


def _page(client, scene) -> str:
    response = client.get(f"/p/{scene['code']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _cert(scene) -> Certification:
    return db.session.get(Certification, scene["cert"])


def _user(scene, key: str) -> User:
    return db.session.get(User, scene[key])


def _plot(scene) -> Plot:
    return db.session.get(Plot, scene["plot"])


def _grow(scene, name: str) -> None:
    plot = _plot(scene)  # held while the crop is added: the collection needs its plot
    plot.crops.append(crop(name))


# Each input of the page: (what to change, in the given() context; what the page says after it)
CHANGES = {
    "suspension": (lambda s: certification.suspend(_cert(s), _user(s, "committee"), "ตรวจพบสารตกค้าง"),
                   'data-status="suspended"'),
    "revocation": (lambda s: certification.revoke(_cert(s), _user(s, "committee"), "ใช้สารเคมี"),
                   'data-status="revoked"'),
    "listing": (lambda s: listings.create_listing(_user(s, "farmer"), listing_data(
        s["plot"], [s["stall"]], title="ผักบุ้งล็อตใหม่สด")), "ผักบุ้งล็อตใหม่สด"),
    "photo": (lambda s: plots.add_photo(_user(s, "farmer"), _plot(s), png((300, 200)), "หน้าแปลงใหม่"),
              "หน้าแปลงใหม่"),
    "residue test": (lambda s: residue.record_residue_test(
        _plot(s), _user(s, "coordinator"), tested_on=today(), sample="คะน้า", substance="คลอร์ไพริฟอส",
        method=ResidueMethod.RAPID, result=ResidueResult.PASSED), "คลอร์ไพริฟอส"),
    "plot's name": (lambda s: setattr(_plot(s), "name", "แปลงเปลี่ยนชื่อใหม่"), "แปลงเปลี่ยนชื่อใหม่"),
    "a crop": (lambda s: _grow(s, "กระเจี๊ยบเขียวใหม่"), "กระเจี๊ยบเขียวใหม่"),
    "farmer's name": (lambda s: setattr(_user(s, "farmer"), "display_name", "ลุงชื่อใหม่ ใจดี"), "ลุงชื่อใหม่ ใจดี"),
    "group's name": (lambda s: setattr(db.session.get(Organisation, s["group"]), "name", "กลุ่มชื่อใหม่"),
                     "กลุ่มชื่อใหม่"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_change_shows_on_the_very_next_view(client, given, scene, change):
    do, shows = CHANGES[change]
    before = _page(client, scene)
    assert _page(client, scene) == before  # read from the snapshot
    assert shows not in before
    with given():
        do(scene)
    assert shows in _page(client, scene)


@pytest.mark.parametrize("withdrawn", ["listing", "photo", "name"])
def test_what_is_taken_away_leaves_at_once(client, given, scene, withdrawn):
    with given():
        listing = listings.create_listing(_user(scene, "farmer"), listing_data(scene["plot"], [scene["stall"]],
                                                                                 title="ผักบุ้งจะถอน"))
        photo = plots.add_photo(_user(scene, "farmer"), _plot(scene), png((300, 200)), "ภาพจะลบ")
        listing_id, photo_id = listing.id, photo.id
    page = _page(client, scene)
    with given():
        name = _user(scene, "farmer").display_name
        shown = {"listing": "ผักบุ้งจะถอน", "photo": "ภาพจะลบ", "name": name}[withdrawn]
        assert shown in page
        if withdrawn == "listing":
            from greensmile.listings.models import Listing

            listings.withdraw(db.session.get(Listing, listing_id), _user(scene, "farmer"))
        elif withdrawn == "photo":
            plots.remove_photo(_user(scene, "farmer"), db.session.get(PlotPhoto, photo_id))
        else:
            privacy.record(_user(scene, "farmer"), Purpose.PUBLIC_NAME, False, _user(scene, "farmer"))
    assert shown not in _page(client, scene)


def test_a_certificate_that_lapses_at_midnight_shows_expired_at_0000_without_a_rebuild(client, given, scene, app):
    last_day = scene["valid_until"]
    with time_machine.travel(datetime.combine(last_day, time(23, 59, 30), tzinfo=BANGKOK), tick=False):
        assert 'data-status="certified"' in _page(client, scene)
    with app.app_context():
        built = db.session.scalar(sa.select(PublicSnapshot.built_at).where(PublicSnapshot.plot_id == scene["plot"]))
    with time_machine.travel(datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=BANGKOK), tick=False):
        with counting_queries(app) as statements:
            page = _page(client, scene)
    assert 'data-status="expired"' in page
    writes = [s for s in statements if s.startswith(("INSERT INTO public_snapshots", "UPDATE public_snapshots"))]
    assert writes == []  # the snapshot knew the day
    with app.app_context():
        assert db.session.scalar(sa.select(PublicSnapshot.built_at).where(
            PublicSnapshot.plot_id == scene["plot"])) == built


def test_a_rubber_plots_group_certificate_that_lapses_by_date_shows_at_once(client, given, app):
    from tests.rubber.helpers import make_group

    with given():
        world = make_group()
        code = world.plots[0].code
        from greensmile.certification.group_models import GroupCertificate

        group_certificate = db.session.scalar(sa.select(GroupCertificate).where(
            GroupCertificate.organisation_id == world.group.id))
        group_certificate.valid_until = until = today() + timedelta(days=10)  # before the member's own ends
    assert 'data-status="certified"' in client.get(f"/p/{code}").get_data(as_text=True)
    with time_machine.travel(datetime.combine(until + timedelta(days=1), time(8), tzinfo=BANGKOK), tick=False):
        assert 'data-status="group_lapsed"' in client.get(f"/p/{code}").get_data(as_text=True)


@pytest.fixture
def with_redis(app, monkeypatch):
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", prefix)
    app.extensions.pop("scan_redis", None)
    app.extensions.pop("qr_page_read", None)
    yield client
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    app.extensions.pop("scan_redis", None)
    app.extensions.pop("qr_page_read", None)


def test_with_redis_a_view_runs_no_sql_until_a_change_commits(client, given, scene, app, with_redis):
    first = _page(client, scene)
    with counting_queries(app) as statements:
        again = _page(client, scene)
    assert again == first
    assert [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))] == []
    with given():
        certification.suspend(_cert(scene), _user(scene, "committee"), "ตรวจพบสารตกค้าง")
    assert 'data-status="suspended"' in _page(client, scene)  # the next request after the decision commits
    english = client.get(f"/p/{scene['code']}?lang=en").get_data(as_text=True)
    assert "Suspended" in english and 'lang="en"' in english  # each language kept on its own


def test_a_change_committed_while_a_view_was_building_is_not_hidden(client, given, scene, app):
    """A view that read the plot before a change and keeps its snapshot after it: the snapshot carries the old
    version, so the next view builds again."""
    from greensmile.public import snapshot

    _page(client, scene)
    with given():
        certification.suspend(_cert(scene), _user(scene, "committee"), "ตรวจพบสารตกค้าง")
    with app.app_context():  # a late writer puts back a snapshot of the old version
        version = db.session.scalar(sa.select(Plot.public_version).where(Plot.id == scene["plot"]))
        old = snapshot.build(db.session.get(Plot, scene["plot"]))
        old["timeline"][0]["statuses"][0]["status"] = "certified"
        db.session.add(PublicSnapshot(plot_id=scene["plot"], version=version - 1, data=old,
                                      built_at=datetime.now(BANGKOK)))
        db.session.commit()
    assert 'data-status="suspended"' in _page(client, scene)


def test_an_offer_sold_out_leaves_the_page_comes_back_when_stock_returns_and_closes_on_time(client, given, scene):
    from greensmile.listings.models import Listing

    with given():
        listing = listings.create_listing(_user(scene, "farmer"), listing_data(
            scene["plot"], [scene["stall"]], title="ผักกาดปิดรับ", quantity=Decimal("3")))
        listing_id, order_by = listing.id, listing.order_by
    assert "ผักกาดปิดรับ" in _page(client, scene)
    with given():  # a checkout takes the last of it (one conditional UPDATE, which the ORM does not see)
        assert listings.reserve(listing_id, Decimal("3"))
    assert "ผักกาดปิดรับ" not in _page(client, scene)
    with given():  # an unpaid order expires and gives it back
        listings.release({listing_id: Decimal("3")})
    assert "ผักกาดปิดรับ" in _page(client, scene)
    with time_machine.travel(order_by + timedelta(minutes=1), tick=False):
        assert "ผักกาดปิดรับ" not in _page(client, scene)  # closed by the clock, no change needed
    with given():
        assert db.session.get(Listing, listing_id).status.value == "active"


def test_a_listing_moved_to_another_plot_leaves_the_first_plots_page(client, given, scene):
    from greensmile.listings.models import Listing
    from tests.orders.helpers import second_farmer  # noqa: F401  (the same group: the listing may move)

    with given():
        listing = listings.create_listing(_user(scene, "farmer"), listing_data(
            scene["plot"], [scene["stall"]], title="ผักย้ายแปลง"))
        other = plots.create_plot(None, _user(scene, "farmer"), plots.PlotData(
            district_id=_plot(scene).district_id, area_m2=Decimal("1600"), plot_type=_plot(scene).plot_type,
            name="แปลงที่สอง"), check_group=False)
        listing_id, other_id = listing.id, other.id
    assert "ผักย้ายแปลง" in _page(client, scene)
    with given():
        db.session.get(Listing, listing_id).plot_id = other_id  # as editing the listing does
    assert "ผักย้ายแปลง" not in _page(client, scene)


def test_a_crop_added_to_the_catalogue_rebuilds_no_page_but_a_renamed_one_rebuilds_its_plots(client, given, scene,
                                                                                             app):
    from greensmile.plots.models import Crop

    _page(client, scene)

    def version() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(Plot.public_version).where(Plot.id == scene["plot"]))

    before = version()
    with given():
        crop("ผักชนิดใหม่ในแคตตาล็อก")
    assert version() == before
    with given():
        grown = _plot(scene).crops[0]
        grown.name_th, crop_id = "ผักเปลี่ยนชื่อแล้ว", grown.id
    assert version() == before + 1 and "ผักเปลี่ยนชื่อแล้ว" in _page(client, scene)
    with given():
        assert db.session.get(Crop, crop_id).name_th == "ผักเปลี่ยนชื่อแล้ว"


def test_a_late_announcement_never_sets_the_version_back(client, given, scene, app, with_redis):
    from greensmile.public import page_cache

    _page(client, scene)
    with given():
        certification.suspend(_cert(scene), _user(scene, "committee"), "ตรวจพบสารตกค้าง")
    assert 'data-status="suspended"' in _page(client, scene)
    with given():
        certification.revoke(_cert(scene), _user(scene, "committee"), "ใช้สารเคมี")
    with app.test_request_context():
        version = db.session.scalar(sa.select(Plot.public_version).where(Plot.id == scene["plot"]))
        page_cache.announce({scene["code"]: version - 1})  # the suspension's announcement, arriving last
    assert 'data-status="revoked"' in _page(client, scene)


def test_a_snapshot_past_its_age_is_rebuilt(client, given, scene, app):
    """What no listener saw (SQL run by hand) shows within the minute."""
    _page(client, scene)
    with app.app_context():
        db.session.execute(sa.text("UPDATE plots SET name = 'แปลงแก้ด้วยมือ' WHERE id = :id"), {"id": scene["plot"]})
        db.session.commit()
    assert "แปลงแก้ด้วยมือ" not in _page(client, scene)
    with time_machine.travel(datetime.now(BANGKOK) + timedelta(seconds=61), tick=False):
        assert "แปลงแก้ด้วยมือ" in _page(client, scene)


def test_a_new_group_with_its_new_plots_bumps_no_page_and_a_moved_plot_still_does(client, given, scene, app):
    """A group (or person) made in the same transaction as the plots that name it is on no page yet: an import that
    creates a group with its plots must not move every plot's version at commit. An existing plot moved into a new
    group is a change of the plot, and its page moves on."""
    from greensmile.network.models import OrganisationKind
    from tests.factories import make_organisation

    _page(client, scene)

    def version() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(Plot.public_version).where(Plot.id == scene["plot"]))

    before = version()
    with counting_queries(app) as statements, given():
        group = make_organisation(OrganisationKind.PGS_GROUP, name="กลุ่มใหม่พร้อมแปลง")
        farmer = _user(scene, "farmer")
        for n in range(3):
            plots.create_plot(None, farmer, plots.PlotData(district_id=_plot(scene).district_id, area_m2=Decimal(1600),
                              plot_type=_plot(scene).plot_type, name=f"ใหม่ {n}", group_id=group.id), check_group=False)
    assert not [s for s in statements if s.startswith("UPDATE plots SET public_version")]
    assert version() == before
    with given():
        moved = make_organisation(OrganisationKind.PGS_GROUP, name="กลุ่มใหม่ที่แปลงย้ายไป")
        _plot(scene).group = moved
    assert version() == before + 1 and "กลุ่มใหม่ที่แปลงย้ายไป" in _page(client, scene)


def test_many_bumped_plots_lose_their_snapshots_in_chunks(client, given, scene, app, monkeypatch):
    """The old snapshots go in IN lists of at most _CHUNK ids (PostgreSQL takes 65,535 parameters a statement)."""
    from greensmile.public import freshness

    _page(client, scene)
    with given():
        farmer = _user(scene, "farmer")
        extra = [plots.create_plot(None, farmer, plots.PlotData(
            district_id=_plot(scene).district_id, area_m2=Decimal(1600), plot_type=_plot(scene).plot_type,
            name=f"อีก {n}"), check_group=False).code for n in range(4)]
    for code in extra:
        assert client.get(f"/p/{code}").status_code in (200, 404)  # a snapshot each where the page is shown
    monkeypatch.setattr(freshness, "_CHUNK", 2)
    with counting_queries(app) as statements, given():
        _user(scene, "farmer").display_name = "ชื่อใหม่ของเกษตรกร"  # on all five plots' pages
    deletes = [s for s in statements if s.startswith("DELETE FROM public_snapshots")]
    assert len(deletes) == 3  # five plots: 2 + 2 + 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicSnapshot)) == 0
