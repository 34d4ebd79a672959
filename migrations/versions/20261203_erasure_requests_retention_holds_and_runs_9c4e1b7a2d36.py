"""Erasure requests, the holds on what an erasure keeps (and why, until when), and the retention runs' reports.

Revision ID: 9c4e1b7a2d36
Revises: 6a2f8c4d1e97
Create Date: 2026-12-03 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "9c4e1b7a2d36"
down_revision = "6a2f8c4d1e97"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_retention_runs'))
    )
    with op.batch_alter_table('privacy_retention_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_retention_runs_ran_at'), ['ran_at'], unique=False)

    op.create_table('privacy_erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.Enum('on_screen', 'witnessed', 'erased', name='consentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('asked', 'erased', 'refused', name='erasurestatus', native_enum=False, length=32), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('pseudonym', sa.String(length=32), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_privacy_erasure_requests_asked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_privacy_erasure_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_erasure_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_erasure_requests'))
    )
    with op.batch_alter_table('privacy_erasure_requests', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_erasure_requests_status_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_erasure_requests_user_id'), ['user_id'], unique=False)

    op.create_table('privacy_retention_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('erasure_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('certification', 'accounts', 'eudr', name='holdkind', native_enum=False, length=32), nullable=False),
    sa.Column('keep_until', sa.Date(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['erasure_id'], ['privacy_erasure_requests.id'], name=op.f('fk_privacy_retention_holds_erasure_id_privacy_erasure_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_retention_holds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_retention_holds'))
    )
    with op.batch_alter_table('privacy_retention_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_retention_holds_keep_until'), ['keep_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_retention_holds_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('privacy_retention_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_retention_holds_user_id'))
        batch_op.drop_index(batch_op.f('ix_privacy_retention_holds_keep_until'))

    op.drop_table('privacy_retention_holds')
    with op.batch_alter_table('privacy_erasure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_erasure_requests_user_id'))
        batch_op.drop_index('ix_privacy_erasure_requests_status_due')

    op.drop_table('privacy_erasure_requests')
    with op.batch_alter_table('privacy_retention_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_retention_runs_ran_at'))

    op.drop_table('privacy_retention_runs')
