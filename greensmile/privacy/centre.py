"""Privacy's use of the notification centre (a core that imports no room; this room fills its registry and calls its
services): LINE pushes only with the person's consent; erasure forgets the messages sent to the person; the retention
run forgets messages older than a year; coordinators are told of erasure requests, asked and overdue; a person is told
of a refusal, and whoever asked for a large data download, when it is ready."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.i18n import format_date
from greensmile.notifications import services as centre
from greensmile.privacy import erasure, export, retention, services
from greensmile.privacy.models import DataExport, ErasureRequest, Purpose, RetentionRun
from greensmile.urls import public_url


def line_gate(user: User) -> str | None:
    """LINE's servers are abroad (PDPA §28): a push goes there only with the person's consent."""
    if services.has_given(user, Purpose.LINE_MESSAGES):
        return None
    return _("You have not agreed to get notices through LINE.")


def erase(person: User, pseudonym: str) -> erasure.Erased:
    return erasure.Erased({"messages": centre.forget_person(person.id)})


def tell_asked(request: ErasureRequest) -> None:
    person = request.user
    centre.notify_coordinators("privacy.erasure_asked", lambda: centre.Message(
        _("%(name)s asks to be erased", name=person.display_name),
        _("Decide by %(day)s: erase, or refuse with the reason.", day=format_date(request.due_on)),
        public_url("privacy.erasure", request_id=request.id)))


def tell_refused(request: ErasureRequest) -> None:
    centre.notify(request.user, "privacy.erasure_refused", lambda: centre.Message(
        _("Your request for erasure is refused"), request.decision_note, public_url("privacy.erasure_mine")))


def tell_overdue(run: RetentionRun, late: int) -> None:
    if late:
        centre.notify_coordinators("privacy.erasure_overdue", lambda: centre.Message(
            _("Erasure requests are overdue"),
            _("%(count)s erasure requests are past their day. Decide them now.", count=late),
            public_url("privacy.erasures")))


def tell_export_ready(made: DataExport) -> None:
    """Whoever asked for a large download: the person, or the coordinator making it for them."""
    asker = db.session.get(User, made.requested_by_id or made.user_id)
    centre.notify(asker, "privacy.export_ready", lambda: centre.Message(
        _("Your data download is ready"),
        _("It can be downloaded for seven days from the page “Download my data”."),
        public_url("privacy.my_data")))


def register() -> None:
    centre.LINE_GATES["privacy"] = line_gate
    # a notice to a buyer names the seller; a job's payload may carry a LINE message's text; an event, a LINE ID
    erasure.register("notifications", erase, copies=[
        ("notifications", "title"), ("notifications", "body"), ("notifications", "facts"), ("jobs", "payload"),
        ("line_events", "line_user_id")])
    retention.rule("notifications.old", _l("Messages sent more than a year ago"), centre.forget_older_than)
    retention.reporter("notifications", tell_overdue)
    export.READY_HOOKS["notifications"] = tell_export_ready
