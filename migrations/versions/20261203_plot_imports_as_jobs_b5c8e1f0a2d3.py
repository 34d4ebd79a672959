"""Plot imports as jobs (plots): the CSV file a coordinator sent, its options, the worker's progress and the report.

Revision ID: b5c8e1f0a2d3
Revises: d2f6a9b1c3e7
Create Date: 2026-12-03 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b5c8e1f0a2d3'
down_revision = 'd2f6a9b1c3e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plot_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('create_groups', sa.Boolean(), nullable=False),
    sa.Column('create_crops', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='importstatus', native_enum=False, length=32), nullable=False),
    sa.Column('phase', sa.Enum('waiting', 'reading', 'checking', 'matching', 'accounts', 'writing', 'finished', name='importphase', native_enum=False, length=32), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_checked', sa.Integer(), nullable=False),
    sa.Column('rows_matched', sa.Integer(), nullable=False),
    sa.Column('rows_written', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('error_kind', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('rows_read >= 0 AND rows_checked >= 0 AND rows_matched >= 0 AND rows_written >= 0 AND rows_total >= 0', name=op.f('ck_plot_imports_counts_not_negative')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_plot_imports_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plot_imports'))
    )
    with op.batch_alter_table('plot_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plot_imports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_plot_imports_requested_by_id'), ['requested_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plot_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plot_imports_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_plot_imports_created_at'))

    op.drop_table('plot_imports')
