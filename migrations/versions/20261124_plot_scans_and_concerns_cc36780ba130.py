"""Public pages: daily scan counts per plot, and concerns reported by the public.

Revision ID: cc36780ba130
Revises: ae137fd05d0d
Create Date: 2026-11-24 06:10:27.515095

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cc36780ba130'
down_revision = 'ae137fd05d0d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('concerns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_concerns_plot_id_plots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concerns'))
    )
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concerns_plot_id'), ['plot_id'], unique=False)

    op.create_table('plot_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_plot_scans_plot_id_plots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plot_scans')),
    sa.UniqueConstraint('plot_id', 'day', name=op.f('uq_plot_scans_plot_id_day'))
    )
    with op.batch_alter_table('plot_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plot_scans_plot_id'), ['plot_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plot_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plot_scans_plot_id'))

    op.drop_table('plot_scans')
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concerns_plot_id'))

    op.drop_table('concerns')
