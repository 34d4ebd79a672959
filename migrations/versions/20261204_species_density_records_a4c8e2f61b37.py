"""Tree species say how many records of the wood-density database their mean is of (a mean of a single record is
flagged where it is shown). The catalogue's rows get theirs when `trees load-species` runs again (seed-demo runs it).

Revision ID: a4c8e2f61b37
Revises: 7d3a9f1c5e20
Create Date: 2026-12-04 17:41:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a4c8e2f61b37"
down_revision = "7d3a9f1c5e20"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tree_species", sa.Column("density_records", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("tree_species", "density_records")
