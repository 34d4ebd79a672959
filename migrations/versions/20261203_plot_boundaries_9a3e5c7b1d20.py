"""Plot boundaries (geo): each plot's boundaries, walked, drawn or imported, never changed (the newest is the plot's
boundary now), with the area measured on the ellipsoid and a flag when it is far from the declared area.

Revision ID: 9a3e5c7b1d20
Revises: b5c8e1f0a2d3
Create Date: 2026-12-03 09:12:11.877702

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9a3e5c7b1d20'
down_revision = 'b5c8e1f0a2d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plot_boundaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('ring', sa.JSON(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('source', sa.Enum('walked', 'drawn', 'imported', name='boundarysource', native_enum=False, length=32), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plot_boundaries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_plot_boundaries_plot_id_plots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plot_boundaries'))
    )
    with op.batch_alter_table('plot_boundaries', schema=None) as batch_op:
        batch_op.create_index('ix_plot_boundaries_plot_created', ['plot_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('plot_boundaries', schema=None) as batch_op:
        batch_op.drop_index('ix_plot_boundaries_plot_created')

    op.drop_table('plot_boundaries')
