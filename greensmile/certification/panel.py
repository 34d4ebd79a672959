"""The certification part of a plot's page, offered to the plots templates as a template global.

The plot registry knows nothing of certification; certification adds itself to the plot page here."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_login import current_user

from greensmile.accounts.models import Role
from greensmile.certification import charter, overview, residue, services
from greensmile.certification.forms import ResidueTestForm
from greensmile.certification.models import Application, Certification
from greensmile.plots.models import Plot


@dataclass
class PlotPanel:
    statuses: list[overview.PublicStatus]
    certifications: list[Certification]
    history: list[overview.HistoryEntry]
    open_application: Application | None
    can_apply: bool
    can_sanction: bool
    can_test: bool
    residue_form: ResidueTestForm | None


def certification_panel(plot: Plot) -> PlotPanel:
    standard = charter.ensure_pgs_standard()
    is_owner = current_user.is_authenticated and plot.owner_id == current_user.id
    can_sanction = current_user.is_authenticated and current_user.has_role(Role.COMMITTEE, Role.COORDINATOR)
    can_test = current_user.is_authenticated and residue.can_record_residue_test(current_user, plot)
    open_application = overview.open_application(plot, standard)
    return PlotPanel(
        statuses=overview.public_statuses(plot),
        certifications=overview.plot_certifications(plot),
        history=overview.history(plot),
        open_application=open_application,
        can_apply=(is_owner or (current_user.is_authenticated and current_user.has_role(Role.COORDINATOR)))
        and open_application is None,
        can_sanction=can_sanction,
        can_test=can_test,
        residue_form=ResidueTestForm(formdata=None, tested_on=services.today()) if can_test else None,
    )


def init_app(app: Flask) -> None:
    app.add_template_global(certification_panel)
