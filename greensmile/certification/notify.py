"""What inspectors and farmers hear about the certification cycle, through the notification centre: each message
written in its reader's language, in the transaction of the change (or of the daily reminder sweep) that causes it."""
from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _

from greensmile.certification.group_models import CorrectiveAction, Severity
from greensmile.certification.models import (
    Assignment,
    Certification,
    CertStatus,
    Decision,
    EventKind,
    Outcome,
    Standard,
)
from greensmile.i18n import format_date
from greensmile.notifications.services import Message, notify
from greensmile.plots.models import Plot
from greensmile.urls import public_url


def _locale() -> str:
    return str(get_locale())



def _plot(plot: Plot) -> str:
    return f"{plot.code} {plot.name}".strip()


def _standard(standard: Standard) -> str:
    return standard.name(_locale())


def _plot_url(plot: Plot) -> str:
    return public_url("plots.detail", code=plot.code)


# ---------------------------------------------------------------- as it happens
def inspection_assigned(assignment: Assignment, rescheduled: bool = False) -> None:
    """The inspector is given a plot to visit (or its visit moves to another day)."""
    application = assignment.application
    plot = application.plot
    notify(assignment.inspector, "inspection.assigned", lambda: Message(
        _("Inspection of plot %(plot)s moved to %(date)s", plot=plot.code, date=format_date(assignment.scheduled_on))
        if rescheduled else
        _("Inspection of plot %(plot)s on %(date)s", plot=plot.code, date=format_date(assignment.scheduled_on)),
        _("You are to inspect plot %(plot)s of %(farmer)s under %(standard)s on %(date)s. Open the inspection form "
          "before you go: it works in the field without signal.", plot=_plot(plot),
          farmer=plot.owner.display_name, standard=_standard(application.certification.standard),
          date=format_date(assignment.scheduled_on)),
        public_url("inspections.form", assignment_id=assignment.id),
        [(_("Plot"), _plot(plot)), (_("Farmer"), plot.owner.display_name),
         (_("Date"), format_date(assignment.scheduled_on)),
         (_("Place"), ", ".join(part for part in (plot.village, plot.subdistrict, plot.district.name(_locale()))
                                if part))]))


def _outcome_title(outcome: Outcome, plot: Plot) -> str:
    return {
        Outcome.CERTIFY: _("Plot %(plot)s is certified", plot=plot.code),
        Outcome.CERTIFY_WITH_CONDITIONS: _("Plot %(plot)s is certified with conditions", plot=plot.code),
        Outcome.IN_CONVERSION: _("Plot %(plot)s is in conversion", plot=plot.code),
        Outcome.REJECT: _("Plot %(plot)s is not certified", plot=plot.code),
    }[outcome]


def decided(decision: Decision) -> None:
    """The committee decided on the farmer's application: what, why, until when, and any conditions."""
    application = decision.application
    plot = application.plot

    def render() -> Message:
        parts = [_("The committee decided on your application for plot %(plot)s under %(standard)s: %(outcome)s.",
                   plot=_plot(plot), standard=_standard(application.certification.standard),
                   outcome=decision.outcome.label)]
        if decision.valid_until is not None:
            parts.append(_("Valid from %(start)s until %(end)s.", start=format_date(decision.valid_from),
                           end=format_date(decision.valid_until)))
        if decision.conditions:
            parts.append(_("Conditions to meet: %(conditions)s", conditions=decision.conditions))
        parts.append(_("Reasons: %(reasons)s", reasons=decision.reasons))
        if decision.outcome is Outcome.REJECT:
            parts.append(_("Put right what the reasons say, then apply again."))
        facts = [(_("Plot"), _plot(plot)), (_("Decision"), decision.outcome.label)]
        if decision.valid_until is not None:
            facts.append((_("Valid until"), format_date(decision.valid_until)))
        return Message(_outcome_title(decision.outcome, plot), "\n".join(parts),
                       public_url("certification.application", app_id=application.id), facts)

    notify(plot.owner, "certification.decided", render)


def sanctioned(cert: Certification, kind: EventKind, reason: str) -> None:
    """A certificate suspended, reinstated or revoked: the farmer hears it with the reason."""
    plot = cert.plot

    def render() -> Message:
        title = {
            EventKind.SUSPENSION: _("The certificate of plot %(plot)s is suspended", plot=plot.code),
            EventKind.REINSTATEMENT: _("The certificate of plot %(plot)s is reinstated", plot=plot.code),
            EventKind.REVOCATION: _("The certificate of plot %(plot)s is revoked", plot=plot.code),
        }[kind]
        advice = {
            EventKind.SUSPENSION: _("Produce from this plot cannot be sold as certified until the suspension is "
                                    "lifted."),
            EventKind.REINSTATEMENT: _("The plot's produce can be sold as certified again."),
            EventKind.REVOCATION: _("The plot must go through conversion again: apply again when you are ready."),
        }[kind]
        body = "\n".join([
            _("Plot %(plot)s under %(standard)s is now: %(status)s.", plot=_plot(plot),
              standard=_standard(cert.standard), status=cert.status.label),
            _("Reason: %(reason)s", reason=reason), advice])
        return Message(title, body, _plot_url(plot), [(_("Plot"), _plot(plot)), (_("Status"), cert.status.label)])

    notify(plot.owner, "certification.decided", render)


# ---------------------------------------------------------------- reminders (the daily sweep)
def certificate_expiring(cert: Certification, threshold: int, days_left: int) -> None:
    """Said once per certificate, validity and threshold (60, 30, 7 days): see reminders.py."""
    plot = cert.plot
    notify(plot.owner, "certificate.expiring", lambda: Message(
        _("The certificate of plot %(plot)s expires on %(date)s", plot=plot.code, date=format_date(cert.valid_until)),
        _("The certificate of plot %(plot)s under %(standard)s is valid until %(date)s (%(days)d days left). To "
          "keep it, apply again now so that the inspection and the committee's decision come before then; if you "
          "have applied already, nothing more is needed.", plot=_plot(plot), standard=_standard(cert.standard),
          date=format_date(cert.valid_until), days=days_left),
        _plot_url(plot),
        [(_("Plot"), _plot(plot)), (_("Valid until"), format_date(cert.valid_until)), (_("Days left"), str(days_left))]),
        once=f"cert-expiring:{cert.id}:{cert.valid_until.isoformat()}:{threshold}")


def corrective_due(request: CorrectiveAction, on: date) -> None:
    """A corrective action request due within the week, or past its date: said once each (see reminders.py)."""
    cert = request.certification
    plot = cert.plot
    overdue = request.due_on < on

    def render() -> Message:
        if overdue:
            title = _("Corrective action for plot %(plot)s is overdue", plot=plot.code)
            body = _("The corrective action for plot %(plot)s was due on %(date)s and is still open: %(finding)s",
                     plot=_plot(plot), date=format_date(request.due_on), finding=request.finding)
            if request.severity is Severity.MAJOR and cert.status is CertStatus.SUSPENDED:
                body += "\n" + _("Because it is a major request, the plot's certificate is suspended until it is "
                                 "put right and closed.")
        else:
            title = _("Corrective action for plot %(plot)s is due on %(date)s", plot=plot.code,
                      date=format_date(request.due_on))
            body = _("Put this right on plot %(plot)s by %(date)s: %(finding)s", plot=_plot(plot),
                     date=format_date(request.due_on), finding=request.finding)
            if request.severity is Severity.MAJOR:
                body += "\n" + _("It is a major request: if it is still open after that day, the plot's certificate "
                                 "is suspended.")
        body += "\n" + _("When it is done, show your group manager the evidence so that they can close the request.")
        return Message(title, body, _plot_url(plot), [
            (_("Plot"), _plot(plot)), (_("Due date"), format_date(request.due_on)), (_("Severity"), request.severity.label)])

    key = f"corrective-overdue:{request.id}" if overdue else f"corrective-due:{request.id}:{request.due_on.isoformat()}"
    notify(plot.owner, "corrective.due", render, once=key)
