"""Standards and their charters as versioned data: draft, edit while a draft, publish, never edit again."""
from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.certification.errors import FrozenVersion, NoCharterInForce
from greensmile.certification.models import (
    ChecklistItem,
    ChecklistSection,
    Standard,
    StandardKind,
    StandardVersion,
    VersionStatus,
)
from greensmile.db import squeeze, utcnow
from greensmile.extensions import db

DATA = Path(__file__).parent / "data"
PGS_ORGANIC = "pgs-organic"
FSC_RUBBER = "fsc-rubber"


def get_standard(code: str) -> Standard | None:
    return db.session.scalar(sa.select(Standard).where(Standard.code == code))


def all_standards() -> list[Standard]:
    return list(db.session.scalars(sa.select(Standard).order_by(Standard.id)))


def in_force(standard: Standard) -> StandardVersion | None:
    """The newest published version: the one new applications and inspections use."""
    return db.session.scalar(
        sa.select(StandardVersion)
        .where(StandardVersion.standard_id == standard.id, StandardVersion.status == VersionStatus.PUBLISHED)
        .order_by(StandardVersion.number.desc())
        .limit(1)
    )


def require_in_force(standard: Standard) -> StandardVersion:
    version = in_force(standard)
    if version is None:
        raise NoCharterInForce()
    return version


def _require_draft(version: StandardVersion) -> None:
    """Refuse unless the version is a draft, holding its row so that a publish cannot slip in between."""
    if sa.inspect(version).persistent:
        db.session.execute(sa.select(StandardVersion.id).where(StandardVersion.id == version.id).with_for_update())
        db.session.refresh(version, attribute_names=["status"])
    if version.status is not VersionStatus.DRAFT:
        raise FrozenVersion()


def draft_new_version(standard: Standard, acting: User | None) -> StandardVersion:
    """A new draft, starting as a copy of the newest version (or the open draft, if there is one)."""
    newest = db.session.scalar(
        sa.select(StandardVersion).where(StandardVersion.standard_id == standard.id)
        .order_by(StandardVersion.number.desc()).limit(1)
    )
    if newest is not None and newest.status is VersionStatus.DRAFT:
        return newest
    draft = StandardVersion(
        standard=standard, number=(newest.number + 1) if newest else 1, status=VersionStatus.DRAFT,
        created_by_id=acting.id if acting else None,
    )
    db.session.add(draft)
    for section in (newest.sections if newest else []):
        copy = ChecklistSection(position=section.position, title_th=section.title_th, title_en=section.title_en)
        copy.items = [
            ChecklistItem(position=item.position, ref=item.ref, text_th=item.text_th, text_en=item.text_en,
                          critical=item.critical)
            for item in section.items
        ]
        draft.sections.append(copy)
    db.session.flush()
    return draft


def add_section(version: StandardVersion, title_th: str, title_en: str) -> ChecklistSection:
    _require_draft(version)
    position = max((section.position for section in version.sections), default=0) + 1
    section = ChecklistSection(position=position, title_th=squeeze(title_th), title_en=squeeze(title_en))
    version.sections.append(section)
    db.session.flush()
    return section


def save_item(
    version: StandardVersion, item: ChecklistItem | None, *, section_id: int, ref: str, text_th: str, text_en: str,
    critical: bool,
) -> ChecklistItem:
    """Add (item=None) or change an item of a draft version."""
    _require_draft(version)
    section = next(s for s in version.sections if s.id == section_id)
    if item is None:
        item = ChecklistItem(position=max((i.position for i in section.items), default=0) + 1)
        section.items.append(item)
    elif item.section_id != section.id:
        item.section = section
    item.ref, item.text_th, item.text_en, item.critical = squeeze(ref), text_th.strip(), text_en.strip(), critical
    db.session.flush()
    return item


def delete_item(version: StandardVersion, item: ChecklistItem) -> None:
    _require_draft(version)
    db.session.delete(item)
    db.session.flush()


def publish(version: StandardVersion, acting: User | None) -> None:
    """Freeze a draft: from now on inspections may use it, and nobody may change it."""
    _require_draft(version)
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    version.published_by_id = acting.id if acting else None
    db.session.flush()


def load_charter(standard: Standard, path: Path, *, demo_default: bool = False) -> StandardVersion:
    """Make and publish a version from a CSV file (section, section_th, section_en, ref, critical, text_th, text_en)."""
    version = draft_new_version(standard, None)
    version.is_demo_default = demo_default
    sections: dict[str, ChecklistSection] = {}
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    for row in rows:
        section = sections.get(row["section"])
        if section is None:
            section = add_section(version, row["section_th"], row["section_en"])
            sections[row["section"]] = section
        save_item(version, None, section_id=section.id, ref=row["ref"], text_th=row["text_th"],
                  text_en=row["text_en"], critical=row["critical"] == "yes")
    publish(version, None)
    return version


def ensure_pgs_standard() -> Standard:
    """The network's PGS organic standard, with its default charter if it has none."""
    standard = get_standard(PGS_ORGANIC)
    if standard is None:
        standard = Standard(code=PGS_ORGANIC, name_th="มาตรฐานเกษตรอินทรีย์แบบมีส่วนร่วม (PGS) ของเครือข่าย",
                            name_en="The network's PGS organic charter", kind=StandardKind.PGS_ORGANIC,
                            validity_months=12)
        db.session.add(standard)
        db.session.flush()
    if in_force(standard) is None:
        load_charter(standard, DATA / "pgs_organic_v1.csv", demo_default=True)
    return standard


def ensure_fsc_standard() -> Standard:
    """FSC group forest management for smallholder rubber: held by a group, audited internally by the group
    manager; loaded with a demo checklist that the group replaces with its own."""
    standard = get_standard(FSC_RUBBER)
    if standard is None:
        standard = Standard(code=FSC_RUBBER, name_th="การจัดการสวนยางแบบกลุ่มตามมาตรฐาน FSC",
                            name_en="FSC group management for smallholder rubber", kind=StandardKind.FSC_GROUP,
                            validity_months=12, held_by_group=True)
        db.session.add(standard)
        db.session.flush()
    if in_force(standard) is None:
        load_charter(standard, DATA / "fsc_rubber_demo_v1.csv", demo_default=True)
    return standard
