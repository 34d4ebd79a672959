"""The member register an external certification body asks of a group: every member plot, its details, its FSC
status, its last internal audit and its open corrective action requests; as a page and as CSV."""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import User
from greensmile.certification import charter
from greensmile.certification.group_models import CorrectiveAction
from greensmile.certification.groups import may_manage
from greensmile.certification.models import Certification, CertStatus
from greensmile.certification.overview import statuses
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.plots.models import Plot
from greensmile.rubber.errors import NotAllowed
from greensmile.rubber.models import RubberProfile
from greensmile.spreadsheet import text_cell

COLUMNS = ["member", "plot_code", "area_rai", "district", "planting_year", "clone", "fsc_status",
           "last_internal_audit", "open_requests"]


@dataclass
class RegisterRow:
    member: str
    plot: Plot
    area_rai: Decimal
    district: str
    planting_year: int | None
    clone: str
    status: CertStatus
    last_audit: date | None
    open_requests: int
    on: date

    @property
    def audit_due(self) -> bool:
        """Every member plot is audited internally at least once a year."""
        return self.last_audit is None or self.last_audit <= self.on - timedelta(days=365)


def register(acting: User, group: Organisation, on: date | None = None) -> list[RegisterRow]:
    """The group's member plots, for its manager and coordinators only (one group never sees another's)."""
    if not may_manage(acting, group):
        raise NotAllowed()
    on = on or today()
    plots = list(db.session.scalars(
        sa.select(Plot).where(Plot.group_id == group.id)
        .options(joinedload(Plot.owner), joinedload(Plot.district)).order_by(Plot.code)
    ))
    ids = [plot.id for plot in plots]
    profiles = {p.plot_id: p for p in db.session.scalars(sa.select(RubberProfile).where(
        RubberProfile.plot_id.in_(ids)))} if ids else {}
    fsc = charter.get_standard(charter.FSC_RUBBER)
    certs = {c.plot_id: c for c in db.session.scalars(sa.select(Certification).where(
        Certification.plot_id.in_(ids), Certification.standard_id == fsc.id))} if ids and fsc else {}
    open_counts = Counter(db.session.scalars(
        sa.select(CorrectiveAction.certification_id).where(
            CorrectiveAction.certification_id.in_([c.id for c in certs.values()]),
            CorrectiveAction.closed_at.is_(None)))) if certs else Counter()
    status = statuses(ids, on, charter.FSC_RUBBER) if ids else {}
    rows = []
    for plot in plots:
        profile, cert = profiles.get(plot.id), certs.get(plot.id)
        rows.append(RegisterRow(
            plot.owner.display_name, plot, plot.area_rai.quantize(Decimal("0.01")), plot.district.name_th,
            profile.planting_year if profile else None, profile.clone if profile else "", status[plot.id],
            cert.last_inspected_on if cert else None, open_counts[cert.id] if cert else 0, on))
    return rows


def register_csv(rows: list[RegisterRow]) -> str:
    """The register as UTF-8 CSV with Excel's BOM, in the column order of COLUMNS."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([text_cell(row.member), row.plot.code, f"{row.area_rai}", row.district, row.planting_year or "",
                         text_cell(row.clone), row.status.value, row.last_audit.isoformat() if row.last_audit else "",
                         row.open_requests])
    return out.getvalue()
