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


def _version_of(session: Session, obj) -> StandardVersion | None:
    """The version an object belongs to, through the relationship or, if only the key is set, the key."""
    if obj is None or isinstance(obj, StandardVersion):
        return obj
    if isinstance(obj, ChecklistSection):
        return obj.version or (session.get(StandardVersion, obj.version_id) if obj.version_id else None)
    if isinstance(obj, ChecklistItem):
        section = obj.section or (session.get(ChecklistSection, obj.section_id) if obj.section_id else None)
        return _version_of(session, section)
    return None


def _versions_touched(session: Session, obj) -> list[StandardVersion]:
    """The version an object is in now, and the one it is being moved out of."""
    versions = [_version_of(session, obj)]
    parent = {ChecklistItem: "section", ChecklistSection: "version"}.get(type(obj))
    if parent and obj in session.dirty:
        versions += [_version_of(session, old) for old in sa.inspect(obj).attrs[parent].history.deleted]
    return [version for version in versions if version is not None]


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_published_versions(session: Session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, StandardVersion) and obj in session.dirty and not session.is_modified(obj):
            continue
        for version in _versions_touched(session, obj):
            if sa.inspect(version).pending:  # a version created in this flush is not frozen yet
                continue
            if _committed_status(version) is VersionStatus.PUBLISHED:
                raise FrozenVersion()
