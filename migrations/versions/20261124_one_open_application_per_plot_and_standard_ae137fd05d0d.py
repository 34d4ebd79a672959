"""At most one open application per plot and standard, enforced by a partial unique index.

Revision ID: ae137fd05d0d
Revises: a6eb3f96936e
Create Date: 2026-11-24 05:58:34.852629

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ae137fd05d0d'
down_revision = 'a6eb3f96936e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('uq_applications_open_per_certification', ['certification_id'], unique=True, sqlite_where=sa.text("status IN ('submitted', 'assigned', 'inspected')"), postgresql_where=sa.text("status IN ('submitted', 'assigned', 'inspected')"))



def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('uq_applications_open_per_certification', sqlite_where=sa.text("status IN ('submitted', 'assigned', 'inspected')"), postgresql_where=sa.text("status IN ('submitted', 'assigned', 'inspected')"))

