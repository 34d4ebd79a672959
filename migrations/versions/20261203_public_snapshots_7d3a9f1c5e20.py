"""The QR page from one read (public_snapshots): each plot's public page content as one row, built from the plot's
public_version, which every change the page shows moves on in its own transaction.

Revision ID: 7d3a9f1c5e20
Revises: 2b7f5e9c8a14
Create Date: 2026-12-03 19:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7d3a9f1c5e20"
down_revision = "2b7f5e9c8a14"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_snapshots',
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_public_snapshots_plot_id_plots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plot_id', name=op.f('pk_public_snapshots'))
    )
    # Plain ALTERs (SQLite has had DROP COLUMN since 3.35): a batch rebuild of plots would trip the many tables
    # that refer to it.
    op.add_column("plots", sa.Column("public_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    op.drop_table("public_snapshots")
    op.drop_column("plots", "public_version")
