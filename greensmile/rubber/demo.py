"""Demo rubber for `seed-demo`: the Rattaphum FSC group's certificate, a member rubber plot with its plantation
details and FSC certificate, a season of harvests, and a lot for the demo exporter."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.certification import charter, groups
from greensmile.certification import services as certification
from greensmile.certification.group_models import GroupOutcome
from greensmile.certification.models import CertStatus, EventKind
from greensmile.certification.services import BANGKOK, today
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.plots.demo import demo_code
from greensmile.plots.services import get_by_code
from greensmile.rubber import lots, services
from greensmile.rubber.models import Harvest, Lot, RubberProduct, RubberProfile

GROUP = "กลุ่มสวนยางยั่งยืนรัตภูมิ"
EXPORTER = "บริษัทส่งออกยางตัวอย่าง พัทลุง"
SINCE_DAYS = 50  # the demo certificates began this long ago, so the season's harvests fall inside them
HARVESTS = [  # days ago, product, kg, DRC %
    (40, RubberProduct.FIELD_LATEX, Decimal("180"), Decimal("33.5")),
    (26, RubberProduct.CUP_LUMP, Decimal("120"), Decimal("52")),
    (12, RubberProduct.RIBBED_SMOKED_SHEET, Decimal("45"), None),
]


def seed_rubber() -> None:
    coordinator, manager = demo_user("coordinator"), demo_user("rubber")
    group = db.session.scalar(sa.select(Organisation).where(Organisation.name == GROUP))
    exporter = db.session.scalar(sa.select(Organisation).where(Organisation.name == EXPORTER))
    plot = get_by_code(demo_code(7))
    if None in (coordinator, manager, group, exporter, plot):
        return
    fsc = charter.ensure_fsc_standard()
    since = today() - timedelta(days=SINCE_DAYS)
    if groups.in_force(group, fsc) is None:
        groups.record_decision(coordinator, group, fsc, groups.GroupDecisionData(
            GroupOutcome.CERTIFIED, "FSC-C000000 (ตัวอย่าง)", "หน่วยรับรองตัวอย่าง (demo)", since, since,
            since + timedelta(days=364), "ข้อมูลตัวอย่าง: แทนด้วยใบรับรองจริงของกลุ่ม"))
    if db.session.get(RubberProfile, plot.id) is None:
        services.save_profile(manager, plot, services.ProfileData(2011, "RRIM 600", 380, "S/2 d/3"))
    cert = certification.certification_for(plot, fsc)
    if cert.status is CertStatus.NOT_CERTIFIED:
        event = certification._move(cert, CertStatus.CERTIFIED, EventKind.DECISION, coordinator,
                                    "ข้อมูลตัวอย่าง: ผ่านการตรวจภายในและรับเข้าเป็นสมาชิกกลุ่ม")
        event.created_at = datetime.combine(since, time(9), tzinfo=BANGKOK)
        cert.valid_from, cert.valid_until, cert.last_inspected_on = since, since + timedelta(days=364), since
        db.session.flush()
    if db.session.scalar(sa.select(Harvest.id).where(Harvest.plot_id == plot.id)) is None:
        records = [services.record_harvest(manager, plot, services.HarvestData(
            today() - timedelta(days=days), product, kg, drc)) for days, product, kg, drc in HARVESTS]
        if db.session.scalar(sa.select(Lot.id).where(Lot.group_id == group.id)) is None:
            lot = lots.create_lot(manager, group, exporter, "ล็อตตัวอย่าง")
            lots.add_harvests(manager, lot, [record.id for record in records[:2]])
