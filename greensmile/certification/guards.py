"""Published charter versions are frozen: any change to one, or to its sections and items, fails the flush.

The services already refuse such edits; this guard also stops code that forgets to ask."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from greensmile.certification.errors import FrozenVersion
from greensmile.certification.models import ChecklistItem, ChecklistSection, StandardVersion, VersionStatus


def _committed_status(version: StandardVersion) -> VersionStatus | None:
    history = sa.inspect(version).attrs.status.history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else version.status


def _version_of(obj) -> StandardVersion | None:
    if isinstance(obj, StandardVersion):
        return obj
    if isinstance(obj, ChecklistSection):
        return obj.version
    if isinstance(obj, ChecklistItem):
        return obj.section.version if obj.section is not None else None
    return None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published_versions(session: Session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        version = _version_of(obj)
        if version is None:
            continue
        if sa.inspect(version).pending:  # a version created in this flush is not frozen yet
            continue
        if isinstance(obj, StandardVersion) and obj in session.dirty and not session.is_modified(obj):
            continue
        if _committed_status(version) is VersionStatus.PUBLISHED:
            raise FrozenVersion()
