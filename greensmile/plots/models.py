from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.places.models import District

M2_PER_RAI = Decimal(1600)
M2_PER_NGAN = Decimal(400)
M2_PER_SQUARE_WA = Decimal(4)
MIN_AREA_M2 = Decimal("0.01")
MAX_AREA_M2 = 100_000 * M2_PER_RAI  # 100,000 rai: more than any smallholder plot, well inside the column


class PlotType(enum.Enum):
    VEGETABLES = "vegetables"  # vegetable garden
    FRUIT = "fruit"  # orchard
    RICE = "rice"  # paddy
    MIXED = "mixed"  # integrated farming (เกษตรผสมผสาน)
    RUBBER = "rubber"  # rubber plantation
    TREE_BANK = "tree_bank"  # trees registered with the tree bank

    @property
    def label(self) -> str:
        return str(PLOT_TYPE_LABELS[self])


PLOT_TYPE_LABELS = {
    PlotType.VEGETABLES: _l("Vegetables"),
    PlotType.FRUIT: _l("Fruit"),
    PlotType.RICE: _l("Rice"),
    PlotType.MIXED: _l("Mixed farming"),
    PlotType.RUBBER: _l("Rubber"),
    PlotType.TREE_BANK: _l("Tree bank"),
}

# The Thai names a spreadsheet may use, as well as the English values.
PLOT_TYPE_THAI_NAMES = {
    "ผัก": PlotType.VEGETABLES,
    "แปลงผัก": PlotType.VEGETABLES,
    "ผลไม้": PlotType.FRUIT,
    "สวนผลไม้": PlotType.FRUIT,
    "ข้าว": PlotType.RICE,
    "นาข้าว": PlotType.RICE,
    "ผสมผสาน": PlotType.MIXED,
    "เกษตรผสมผสาน": PlotType.MIXED,
    "ยางพารา": PlotType.RUBBER,
    "สวนยาง": PlotType.RUBBER,
    "ธนาคารต้นไม้": PlotType.TREE_BANK,
}


class Crop(TimestampMixin, db.Model):
    """An entry of the crop catalogue, which coordinators extend."""

    __tablename__ = "crops"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_th: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_th


plot_crops = sa.Table(
    "plot_crops",
    db.metadata,
    sa.Column("plot_id", sa.ForeignKey("plots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("crop_id", sa.ForeignKey("crops.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Plot(TimestampMixin, db.Model):
    __tablename__ = "plots"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    province: Mapped[str] = mapped_column(sa.String(80))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id"), index=True)
    subdistrict: Mapped[str] = mapped_column(sa.String(80), default="")
    village: Mapped[str] = mapped_column(sa.String(120), default="")
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    area_m2: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    plot_type: Mapped[PlotType] = mapped_column(enum_type(PlotType), index=True)
    water_source: Mapped[str] = mapped_column(sa.String(200), default="")
    neighbour_risks: Mapped[str] = mapped_column(sa.Text, default="")
    # Bumped in the transaction of every change the public page shows (greensmile/public/freshness.py): a snapshot
    # built from an older version is rebuilt on the next view.
    public_version: Mapped[int] = mapped_column(server_default="0", deferred=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    group: Mapped[Organisation | None] = relationship()
    district: Mapped[District] = relationship()
    crops: Mapped[list[Crop]] = relationship(secondary=plot_crops, order_by=Crop.name_th)
    photos: Mapped[list[PlotPhoto]] = relationship(
        back_populates="plot", cascade="all, delete-orphan", order_by="PlotPhoto.id"
    )
    changes: Mapped[list[PlotChange]] = relationship(
        back_populates="plot", cascade="all, delete-orphan", order_by="PlotChange.id.desc()"
    )

    @property
    def area_rai(self) -> Decimal:
        return self.area_m2 / M2_PER_RAI

    def display_name(self) -> str:
        return self.name or self.code


class PlotPhoto(TimestampMixin, db.Model):
    """A photo as the public sees it: re-encoded, resized, without EXIF; with a thumbnail."""

    __tablename__ = "plot_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    caption: Mapped[str] = mapped_column(sa.String(200), default="")
    # People can be recognised in it: on the public pages only with the farmer's consent, and erased with them.
    shows_people: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    plot: Mapped[Plot] = relationship(back_populates="photos")


class ChangeSource(enum.Enum):
    WEB = "web"  # a person using the pages
    IMPORT = "import"  # a CSV import (upload page or command line)
    SEED = "seed"  # the demo data


class PlotChange(db.Model):
    """One entry of a plot's history: who changed what, when. Append-only."""

    __tablename__ = "plot_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[ChangeSource] = mapped_column(enum_type(ChangeSource), default=ChangeSource.WEB)
    action: Mapped[str] = mapped_column(sa.String(32))
    # {field: [old, new]} in display form (codes, names, numbers as text)
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plot: Mapped[Plot] = relationship(back_populates="changes")
    user: Mapped[User | None] = relationship()


class ImportStatus(enum.Enum):
    QUEUED = "queued"  # stored with its file, waiting for the worker
    RUNNING = "running"  # the worker is reading, checking or writing it (progress: phase and counts)
    DONE = "done"  # every row was good: checked (a dry run) or imported; the report says what
    FAILED = "failed"  # a bad file, bad rows (the report lists them) or a broken job: nothing was written

    @property
    def finished(self) -> bool:
        return self in (ImportStatus.DONE, ImportStatus.FAILED)


# The one table of an import's moves. QUEUED → DONE/FAILED: on SQLite the worker cannot record "running" while its
# own transaction holds the write lock, so an import may be seen finished without having been seen running.
# FAILED → RUNNING: a broken job (not a bad file) that a coordinator sends again from the worker's dead-letter list
# (and FAILED → DONE or FAILED when that run, too, was not seen running).
IMPORT_MOVES: dict[ImportStatus, frozenset[ImportStatus]] = {
    ImportStatus.QUEUED: frozenset({ImportStatus.RUNNING, ImportStatus.DONE, ImportStatus.FAILED}),
    ImportStatus.RUNNING: frozenset({ImportStatus.DONE, ImportStatus.FAILED}),
    ImportStatus.FAILED: frozenset({ImportStatus.RUNNING, ImportStatus.DONE, ImportStatus.FAILED}),
    ImportStatus.DONE: frozenset(),
}


class IllegalImportMove(ValueError):
    pass


def check_import_move(current: ImportStatus, target: ImportStatus) -> None:
    if target not in IMPORT_MOVES[current]:
        raise IllegalImportMove(f"an import cannot go from {current.value} to {target.value}")


class ImportPhase(enum.Enum):
    WAITING = "waiting"  # not started
    READING = "reading"  # decoding the file and splitting it into rows
    CHECKING = "checking"  # checking each row's cells
    MATCHING = "matching"  # matching rows to plots and farmers, finding conflicts between rows
    ACCOUNTS = "accounts"  # making the accounts of the farmers the file is the first to name
    WRITING = "writing"  # writing the plots (not on a dry run, nor when a row is bad)
    FINISHED = "finished"


class PlotImport(db.Model):
    """A CSV file a coordinator sent, imported by the worker: its options, its progress, then its report.

    The file is kept until the import has a report (a broken job can be sent again); then only its name and size."""

    __tablename__ = "plot_imports"
    __table_args__ = (
        sa.CheckConstraint(
            "rows_read >= 0 AND rows_checked >= 0 AND rows_matched >= 0 AND rows_written >= 0 AND rows_total >= 0",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    size: Mapped[int] = mapped_column(default=0)  # bytes, kept after the file itself is let go
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, default=b"", deferred=True)
    dry_run: Mapped[bool] = mapped_column(default=True)
    create_groups: Mapped[bool] = mapped_column(default=False)
    create_crops: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus), default=ImportStatus.QUEUED)
    phase: Mapped[ImportPhase] = mapped_column(enum_type(ImportPhase), default=ImportPhase.WAITING)
    rows_total: Mapped[int] = mapped_column(default=0)  # known once the file is read
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_checked: Mapped[int] = mapped_column(default=0)
    rows_matched: Mapped[int] = mapped_column(default=0)
    rows_written: Mapped[int] = mapped_column(default=0)
    # ImportReport.to_json(): counts, file errors, row errors with their lines. None until finished.
    report: Mapped[dict | None] = mapped_column(sa.JSON)
    # A broken job's kind of error (its full text is in the job's last_error, for the technical team, not the page).
    error_kind: Mapped[str] = mapped_column(sa.String(100), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User | None] = relationship()
