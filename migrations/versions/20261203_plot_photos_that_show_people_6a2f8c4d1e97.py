"""Plot photos say whether people can be recognised in them (shown publicly only with the farmer's consent).

Revision ID: 6a2f8c4d1e97
Revises: 5d9c3a1e7f42
Create Date: 2026-12-03 17:50:49
"""
import sqlalchemy as sa
from alembic import op

revision = "6a2f8c4d1e97"
down_revision = "5d9c3a1e7f42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plot_photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shows_people", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("plot_photos", schema=None) as batch_op:
        batch_op.drop_column("shows_people")
