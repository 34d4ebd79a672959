"""What goes to the EU for a lot: its geolocation file as the EU's "EUDR GeoJSON File Description" (v1.2) asks (one
Feature per plot, six decimals, split past the system's size limit), and the statement numbers the exporter records
with the file's fingerprint."""

import hashlib
import io
import json
import zipfile

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.network.models import Membership
from greensmile.plots.models import Plot
from greensmile.rubber.errors import EudrError, NotAllowed
from greensmile.rubber.eudr import LotEudr, Readiness, lot_status
from greensmile.rubber.eudr_models import (
    LotStatement,
)
from greensmile.rubber.models import Lot

COUNTRY = "TH"


def is_exporter(user: User, lot: Lot) -> bool:
    return db.session.get(Membership, (lot.buyer_id, user.id)) is not None


def record_statement(acting: User, lot: Lot, reference: str, verification: str) -> LotStatement:
    """The numbers of the statement the exporter submitted, for a ready lot; with the fingerprint of the geolocation
    file as it is now, so a later change (a new boundary, a plot added) shows as a file that differs."""
    if not is_exporter(acting, lot):
        raise NotAllowed()
    reference, verification = " ".join(reference.split()), " ".join(verification.split())
    if not reference or not verification:
        raise EudrError(_l("Write both numbers the EU system returned."))
    status = lot_status(lot)
    if not status.ready:
        raise EudrError(_l("The lot is not ready: a statement needs every plot's record complete."))
    statement = LotStatement(lot_id=lot.id, reference_number=reference[:60], verification_number=verification[:60],
                             file_sha256=files_fingerprint(geolocation_files(lot, status)), recorded_by_id=acting.id)
    db.session.add(statement)
    db.session.flush()
    return statement


def statement_of(lot: Lot) -> LotStatement | None:
    return db.session.scalar(sa.select(LotStatement).where(LotStatement.lot_id == lot.id)
                             .order_by(LotStatement.id.desc()).limit(1))


# ---------------------------------------------------------------- the geolocation file
SIX = "{:.6f}"


def production_place(plot: Plot, locale: str = "th") -> str:
    parts = [plot.name or "", plot.village, plot.subdistrict, plot.district.name(locale),
             plot.district.province(locale)]
    return f"{plot.code} · " + ", ".join(part for part in parts if part)


def _feature(entry: Readiness) -> tuple[dict, list]:
    """A Feature with its geometry's coordinates held apart (written with six decimals afterwards)."""
    plot, place = entry.plot, entry.place
    properties = {"ProducerName": plot.owner.display_name, "ProducerCountry": COUNTRY,
                  "ProductionPlace": production_place(plot)}
    if place.ring is not None:
        ring = list(orient(Polygon(place.ring), 1.0).exterior.coords)  # RFC 7946: counterclockwise
        return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon"}}, [ring]
    properties["Area"] = round(place.area_m2 / 10_000, 4)  # hectares, for a point
    return ({"type": "Feature", "properties": properties, "geometry": {"type": "Point"}},
            [float(place.longitude), float(place.latitude)])


def _coordinates(value) -> str:
    if isinstance(value, (int, float)):
        return SIX.format(value)
    if value and isinstance(value[0], (int, float)):
        return "[" + ",".join(SIX.format(x) for x in value) + "]"
    return "[" + ",".join(_coordinates(part) for part in value) + "]"


def _dump_feature(feature: dict, coordinates) -> str:
    """One Feature as JSON, its coordinates written with six decimals (json would write 100.5 for 100.500000)."""
    text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
    marker = '"type":"%s"}' % feature["geometry"]["type"]
    at = text.rindex(marker)
    return text[:at] + '"type":"%s","coordinates":%s}' % (feature["geometry"]["type"], _coordinates(coordinates)) + \
        text[at + len(marker):]


def geolocation_files(lot: Lot, status: LotEudr | None = None) -> list[tuple[str, bytes]]:
    """The lot's geolocation as one FeatureCollection per file, one Feature per plot; split into several files when
    one would pass EUDR_FILE_MAX_BYTES."""
    status = status or lot_status(lot)
    limit = current_app.config["EUDR_FILE_MAX_BYTES"]
    head, tail = '{"type":"FeatureCollection","features":[', "]}"
    parts: list[list[str]] = [[]]
    size = len(head) + len(tail)
    for entry in status.plots:
        if not entry.place.placed:
            continue
        text = _dump_feature(*_feature(entry))
        extra = len(text.encode()) + (1 if parts[-1] else 0)
        if parts[-1] and size + extra > limit:
            parts.append([])
            size = len(head) + len(tail)
            extra = len(text.encode())
        parts[-1].append(text)
        size += extra
    files = [(head + ",".join(part) + tail).encode() for part in parts]
    if len(files) == 1:
        return [(f"eudr-lot-{lot.code}.geojson", files[0])]
    return [(f"eudr-lot-{lot.code}-part-{n}-of-{len(files)}.geojson", data) for n, data in enumerate(files, start=1)]


def files_fingerprint(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for _name, data in files:
        digest.update(data)
    return digest.hexdigest()


def zipped(files: list[tuple[str, bytes]], note: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        archive.writestr("README.txt", note)
    return buffer.getvalue()


