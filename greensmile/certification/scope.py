"""What a certificate covers: the crops of the decision that gave the plot its standing under a standard.

A decision records the crops registered on the plot when it was made (models.decision_crops). A crop is in the scope
of a plot's certificate when the latest decision that set the certificate's status (certify, certify with conditions,
in conversion) covered it AND it is still registered on the plot. A crop added to the plot afterwards is "not yet
inspected": nothing may be sold as certified from it until the next inspection's decision covers it.
A plot with no such decision covers nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from greensmile.certification.charter import PGS_ORGANIC
from greensmile.certification.models import Application, Certification, Decision, Outcome, Standard, decision_crops
from greensmile.extensions import db
from greensmile.plots.models import Crop, Plot, plot_crops

# Outcomes that set a certificate's status (a rejection leaves the earlier standing, and its scope, in place).
STANDING_OUTCOMES = (Outcome.CERTIFY, Outcome.CERTIFY_WITH_CONDITIONS, Outcome.IN_CONVERSION)


def _standing(ids, code: str, *columns) -> sa.Select:
    return (sa.select(*(columns or (Certification.plot_id, sa.func.max(Decision.id))))
            .select_from(Certification).join(Standard, Standard.id == Certification.standard_id)
            .join(Application, Application.certification_id == Certification.id)
            .join(Decision, Decision.application_id == Application.id)
            .where(Standard.code == code, Certification.plot_id.in_(ids), Decision.outcome.in_(STANDING_OUTCOMES))
            .group_by(Certification.plot_id))


def standing_decisions(plot_ids, code: str = PGS_ORGANIC) -> dict[int, int]:
    """Each plot's latest decision that set its status under the standard, as {plot id: decision id}."""
    ids = sorted(set(plot_ids))
    return dict(db.session.execute(_standing(ids, code)).all()) if ids else {}


def covered_crops(plot_ids, code: str = PGS_ORGANIC) -> dict[int, set[int]]:
    """The ids of the crops each plot's certificate covers today (empty for a plot never decided on)."""
    ids = sorted(set(plot_ids))
    return _covered(ids, standing_decisions(ids, code))


def _covered(ids: list[int], decisions: dict[int, int]) -> dict[int, set[int]]:
    covered: dict[int, set[int]] = {plot_id: set() for plot_id in ids}
    if not decisions:
        return covered
    decided = db.session.execute(
        sa.select(decision_crops.c.decision_id, decision_crops.c.crop_id)
        .where(decision_crops.c.decision_id.in_(list(decisions.values())))
    ).all()
    registered = set(db.session.execute(
        sa.select(plot_crops.c.plot_id, plot_crops.c.crop_id).where(plot_crops.c.plot_id.in_(list(decisions)))
    ).all())
    plot_of = {decision_id: plot_id for plot_id, decision_id in decisions.items()}
    for decision_id, crop_id in decided:
        if (plot_of[decision_id], crop_id) in registered:  # a crop taken off the plot is no longer offered from it
            covered[plot_of[decision_id]].add(crop_id)
    return covered


def in_scope(plot_id_column, crop_id_column, code: str = PGS_ORGANIC) -> sa.ColumnElement[bool]:
    """SQL: the crop is still registered on the plot and its latest status-setting decision covered it. One
    correlated EXISTS, for filters such as what is on sale (a listing whose crop left the scope is not)."""
    latest = (sa.select(sa.func.max(Decision.id)).select_from(Certification)
              .join(Standard, Standard.id == Certification.standard_id)
              .join(Application, Application.certification_id == Certification.id)
              .join(Decision, Decision.application_id == Application.id)
              .where(Standard.code == code, Certification.plot_id == plot_id_column,
                     Decision.outcome.in_(STANDING_OUTCOMES))
              .correlate_except(Certification, Standard, Application, Decision).scalar_subquery())
    covered = sa.select(decision_crops.c.crop_id).where(decision_crops.c.decision_id == latest,
                                                        decision_crops.c.crop_id == crop_id_column)
    registered = sa.select(plot_crops.c.crop_id).where(plot_crops.c.plot_id == plot_id_column,
                                                       plot_crops.c.crop_id == crop_id_column)
    return sa.and_(covered.exists(), registered.exists())


def offerable_crop_ids(plots, code: str = PGS_ORGANIC, *, undecided_ok: bool = False) -> set[int]:
    """The crops that may be offered from any of these plots: those their certificates cover (and, with
    `undecided_ok`, those registered on a plot never decided on). For a form's choices; the rule is checked again
    for the plot chosen when it is saved (outside_scope)."""
    ids = [plot.id for plot in plots]
    decisions = standing_decisions(ids, code)
    found = set().union(*_covered(ids, decisions).values()) if ids else set()
    if undecided_ok:
        found |= {crop.id for plot in plots if plot.id not in decisions for crop in plot.crops}
    return found


@dataclass(frozen=True)
class Scope:
    """A plot's crops split by what its certificate covers."""

    decided: bool  # a decision has set the certificate's scope
    covered: list[Crop]
    not_yet_inspected: list[Crop]


def scope_of(plot: Plot, code: str = PGS_ORGANIC) -> Scope:
    """The plot's registered crops split by its certificate's scope, in one query (the plot's crops are loaded)."""
    latest = _standing([plot.id], code, sa.func.max(Decision.id)).scalar_subquery()
    rows = db.session.execute(
        sa.select(Decision.id, decision_crops.c.crop_id)
        .outerjoin(decision_crops, decision_crops.c.decision_id == Decision.id).where(Decision.id == latest)
    ).all()
    decided, covered = bool(rows), {crop_id for _decision, crop_id in rows}
    return Scope(decided, [crop for crop in plot.crops if crop.id in covered],
                 [crop for crop in plot.crops if crop.id not in covered] if decided else [])


def outside_scope(plot: Plot, crop: Crop, code: str = PGS_ORGANIC, *, undecided_ok: bool = False) -> str | None:
    """Why this crop may not be offered from this plot under its certificate, or None when it may.

    `undecided_ok`: a plot never decided on may name any registered crop (an offer stated ahead of certification,
    which is only taken up once a decision covers the crop)."""
    name = crop.name(str(get_locale() or "th"))
    if crop.id not in {registered.id for registered in plot.crops}:
        return _("%(crop)s is not registered on plot %(code)s. Only a crop registered on the plot and covered by "
                 "its certificate can be offered from it.", crop=name, code=plot.code)
    decisions = standing_decisions([plot.id], code)
    if undecided_ok and not decisions:
        return None
    if crop.id not in _covered([plot.id], decisions)[plot.id]:
        return _("%(crop)s was added to plot %(code)s after its last inspection: it is not yet inspected, so it "
                 "cannot be sold as certified until the next inspection or a committee decision covers it.",
                 crop=name, code=plot.code)
    return None
