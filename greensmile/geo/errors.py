from __future__ import annotations

from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class BoundaryRefused(DomainError):
    """A boundary that cannot be a plot's: every reason is in `reasons` (the message joins them)."""

    message = _l("This boundary cannot be used.")

    def __init__(self, reasons: list[str]):
        self.reasons = [str(reason) for reason in reasons]
        super().__init__("; ".join(self.reasons) or None)


class NotYourPlot(DomainError):
    message = _l("Only the plot's farmer, its group's manager or a coordinator can record its boundary.")


class ImportNotAllowed(DomainError):
    message = _l("Only coordinators import boundary files.")
