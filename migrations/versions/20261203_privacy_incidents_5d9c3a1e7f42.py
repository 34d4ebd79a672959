"""The incident register (privacy): suspected personal data breaches, when each was discovered, what it touched, and
when the regulator and the people were told (72 hours from discovery where feasible).

Revision ID: 5d9c3a1e7f42
Revises: 8b2e5d7f3c10
Create Date: 2026-12-03 15:12:56.197155

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d9c3a1e7f42'
down_revision = '8b2e5d7f3c10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('data_affected', sa.Text(), nullable=False),
    sa.Column('discovered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('regulator_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('people_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_privacy_incidents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_incidents'))
    )


def downgrade():
    op.drop_table('privacy_incidents')
