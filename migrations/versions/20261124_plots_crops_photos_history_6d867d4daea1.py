"""Plot registry: plots, the crop catalogue, plot photos and the append-only plot history.

Revision ID: 6d867d4daea1
Revises: 1cfa8f2849c4
Create Date: 2026-11-24 05:15:43.344158

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d867d4daea1'
down_revision = '1cfa8f2849c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('crops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_th', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crops')),
    sa.UniqueConstraint('name_th', name=op.f('uq_crops_name_th'))
    )
    op.create_table('plots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('province', sa.String(length=80), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('subdistrict', sa.String(length=80), nullable=False),
    sa.Column('village', sa.String(length=120), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('area_m2', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('plot_type', sa.Enum('vegetables', 'fruit', 'rice', 'mixed', 'rubber', 'tree_bank', name='plottype', native_enum=False, length=32), nullable=False),
    sa.Column('water_source', sa.String(length=200), nullable=False),
    sa.Column('neighbour_risks', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_plots_district_id_districts')),
    sa.ForeignKeyConstraint(['group_id'], ['organisations.id'], name=op.f('fk_plots_group_id_organisations')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_plots_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plots')),
    sa.UniqueConstraint('code', name=op.f('uq_plots_code'))
    )
    with op.batch_alter_table('plots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plots_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plots_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plots_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plots_plot_type'), ['plot_type'], unique=False)

    op.create_table('plot_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('web', 'import', 'seed', name='changesource', native_enum=False, length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_plot_changes_plot_id_plots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_plot_changes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plot_changes'))
    )
    with op.batch_alter_table('plot_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plot_changes_plot_id'), ['plot_id'], unique=False)

    op.create_table('plot_crops',
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_plot_crops_crop_id_crops'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_plot_crops_plot_id_plots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plot_id', 'crop_id', name=op.f('pk_plot_crops'))
    )
    with op.batch_alter_table('plot_crops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plot_crops_crop_id'), ['crop_id'], unique=False)

    op.create_table('plot_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_plot_photos_plot_id_plots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_plot_photos_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plot_photos')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_plot_photos_stored_name'))
    )
    with op.batch_alter_table('plot_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plot_photos_plot_id'), ['plot_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plot_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plot_photos_plot_id'))

    op.drop_table('plot_photos')
    with op.batch_alter_table('plot_crops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plot_crops_crop_id'))

    op.drop_table('plot_crops')
    with op.batch_alter_table('plot_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plot_changes_plot_id'))

    op.drop_table('plot_changes')
    with op.batch_alter_table('plots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plots_plot_type'))
        batch_op.drop_index(batch_op.f('ix_plots_owner_id'))
        batch_op.drop_index(batch_op.f('ix_plots_group_id'))
        batch_op.drop_index(batch_op.f('ix_plots_district_id'))

    op.drop_table('plots')
    op.drop_table('crops')
