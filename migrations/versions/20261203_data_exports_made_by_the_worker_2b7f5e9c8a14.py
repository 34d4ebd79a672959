"""Data downloads made by the worker (privacy_exports): a large "download my data" is made in the background and
kept a week for the person, or the coordinator who asked for it on their behalf.

Revision ID: 2b7f5e9c8a14
Revises: 9c4e1b7a2d36
Create Date: 2026-12-03 18:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "2b7f5e9c8a14"
down_revision = "9c4e1b7a2d36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'ready', 'failed', name='exportstatus', native_enum=False, length=32), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_privacy_exports_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_exports'))
    )
    with op.batch_alter_table('privacy_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_exports_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_exports_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('privacy_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_exports_user_id'))
        batch_op.drop_index(batch_op.f('ix_privacy_exports_expires_at'))

    op.drop_table('privacy_exports')
