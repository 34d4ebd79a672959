"""Rubber lots in public: the trace page behind a lot's QR code, its QR code, and the read API."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, url_for

from greensmile.caching import public
from greensmile.certification import charter, groups
from greensmile.extensions import db
from greensmile.plots.codes import InvalidPlotCode, normalise_code
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose
from greensmile.public import qr
from greensmile.rubber import eudr, eudr_export, lots
from greensmile.urls import public_base

bp = Blueprint("rubber", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/lots/<code>", "trace", trace)
    bp.add_url_rule("/lots/<code>/qr.png", "qr_png", qr_png)
    bp.add_url_rule("/api/v1/lots/<code>", "api_lot", api_lot)
    # fmt: on


def _lot(code: str):
    """The lot for a typed code (any case, look-alikes read as meant), or 404."""
    try:
        canonical = normalise_code(code)
    except InvalidPlotCode:
        abort(404)
    lot = lots.get_by_code(canonical)
    if lot is None:
        abort(404)
    return lot, canonical


def _certificate(lot):
    """The group's certificate decision in force (on the shipping day for a shipped lot)."""
    fsc = charter.get_standard(charter.FSC_RUBBER)
    return groups.in_force(lot.group, fsc, lot.shipped_on) if fsc else None


@public(60)
def trace(code: str):
    """Public: what the lot is made of, plot by plot, and whether it carries the FSC claim (no buyer, no prices)."""
    lot, canonical = _lot(code)
    if code != canonical:
        return redirect(url_for("rubber.trace", code=canonical), 301)
    claim = lots.claim_of(lot)
    status = _eudr(lot)
    return render_template("rubber/trace.html", lot=lot, claim=claim, certificate=_certificate(lot), eudr=status,
                           positions=_positions(status),
                           statement=eudr_export.statement_of(lot))


def _eudr(lot):
    """The lot's EUDR status (checks against the reference layers made where missing are kept)."""
    status = eudr.lot_status(lot)
    db.session.commit()
    return status


def _positions(status) -> dict[int, tuple[float, float] | None]:
    """Each plot's position at about a kilometre, shown in public only where its farmer agreed to be on the farm
    map (the same consent as the directory's)."""
    shown = privacy.given_among(Purpose.FARM_DIRECTORY, [entry.plot.owner_id for entry in status.plots])
    return {entry.plot.id: entry.public_position if entry.plot.owner_id in shown else None for entry in status.plots}


@public(86400)
def qr_png(code: str):
    lot, canonical = _lot(code)
    payload = qr.lot_qr_payload(public_base(), canonical)
    return current_app.response_class(qr.render_png(payload), mimetype="image/png")


def api_lot(code: str):
    lot, canonical = _lot(code)
    claim = lots.claim_of(lot)
    certificate = _certificate(lot)
    status, statement = _eudr(lot), eudr_export.statement_of(lot)
    positions = _positions(status)
    return jsonify({
        "code": canonical,
        "status": lot.status.value,
        "group": lot.group.name,
        "group_certificate": certificate.certificate_number if certificate else None,
        "group_certificate_status": certificate.outcome.value if certificate else None,
        "claim": claim.claim or None,
        "dry_rubber_kg": str(claim.dry_rubber_kg),
        "contributions": [{
            "plot_code": c.harvest.plot.code, "harvested_on": c.harvest.harvested_on.isoformat(),
            "product": c.harvest.product.value, "dry_rubber_kg": str(c.harvest.dry_rubber_kg),
            "fsc_status": c.status.value, "certified": c.certified,
        } for c in claim.contributions],
        "not_certified_plots": sorted({c.harvest.plot.code for c in claim.breakers}),
        "eudr": {
            "status": "ready" if status.ready else "not_ready",
            "statement": {"reference_number": statement.reference_number,
                          "verification_number": statement.verification_number} if statement else None,
            # no producer names and no exact geolocation in public: each plot at about a kilometre, with consent
            "plots": [{"plot_code": entry.plot.code, "location": list(positions[entry.plot.id])
                       if positions[entry.plot.id] else None} for entry in status.plots],
        },
    })


register_routes(bp)
