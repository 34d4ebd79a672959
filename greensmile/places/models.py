from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from greensmile.extensions import db


class District(db.Model):
    """An อำเภอ, identified by its DOPA geocode (e.g. 9011 for Hat Yai)."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    province_th: Mapped[str] = mapped_column(sa.String(80))
    province_en: Mapped[str] = mapped_column(sa.String(80))
    name_th: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80))

    def name(self, locale: str) -> str:
        return self.name_th if locale == "th" else self.name_en

    def province(self, locale: str) -> str:
        return self.province_th if locale == "th" else self.province_en
