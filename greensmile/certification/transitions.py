"""The two status machines of certification, each one table. Anything not in a table is refused."""
from __future__ import annotations

from greensmile.certification.errors import IllegalTransition
from greensmile.certification.models import ApplicationStatus, CertStatus

C = CertStatus
CERTIFICATION_MOVES: dict[CertStatus, frozenset[CertStatus]] = {
    C.NOT_CERTIFIED: frozenset({C.IN_CONVERSION, C.CERTIFIED, C.CERTIFIED_WITH_CONDITIONS}),
    C.IN_CONVERSION: frozenset({C.IN_CONVERSION, C.CERTIFIED, C.CERTIFIED_WITH_CONDITIONS, C.SUSPENDED, C.REVOKED,
                                C.EXPIRED}),
    C.CERTIFIED: frozenset({C.CERTIFIED, C.CERTIFIED_WITH_CONDITIONS, C.SUSPENDED, C.REVOKED, C.EXPIRED}),
    C.CERTIFIED_WITH_CONDITIONS: frozenset({C.CERTIFIED, C.CERTIFIED_WITH_CONDITIONS, C.SUSPENDED, C.REVOKED,
                                            C.EXPIRED}),
    # Lifting a suspension returns to the status it interrupted.
    C.SUSPENDED: frozenset({C.IN_CONVERSION, C.CERTIFIED, C.CERTIFIED_WITH_CONDITIONS, C.REVOKED, C.EXPIRED}),
    # After a revocation, conversion starts again.
    C.REVOKED: frozenset({C.IN_CONVERSION}),
    C.EXPIRED: frozenset({C.IN_CONVERSION, C.CERTIFIED, C.CERTIFIED_WITH_CONDITIONS, C.REVOKED}),
    # Computed from the group's certificate, never stored: nothing moves to it or from it.
    C.GROUP_LAPSED: frozenset(),
}

A = ApplicationStatus
APPLICATION_MOVES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    A.SUBMITTED: frozenset({A.ASSIGNED, A.WITHDRAWN}),
    A.ASSIGNED: frozenset({A.INSPECTED, A.WITHDRAWN}),
    # More inspection may be asked for before deciding.
    A.INSPECTED: frozenset({A.ASSIGNED, A.DECIDED, A.WITHDRAWN}),
    A.DECIDED: frozenset(),
    A.WITHDRAWN: frozenset(),
}


def check_certification_move(current: CertStatus, target: CertStatus) -> None:
    if target not in CERTIFICATION_MOVES[current]:
        raise IllegalTransition()


def check_application_move(current: ApplicationStatus, target: ApplicationStatus) -> None:
    if target not in APPLICATION_MOVES[current]:
        raise IllegalTransition()
