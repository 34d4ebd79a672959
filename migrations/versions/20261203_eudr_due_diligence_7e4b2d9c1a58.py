"""EUDR due diligence for rubber (rubber): per plot, cut-off declarations, land documents and further evidence, each
kept with who recorded it and when; reference layers and their areas; each plot's checks against them and the flags
a coordinator decides; per lot, the statement numbers the EU system returned.

Revision ID: 7e4b2d9c1a58
Revises: 3c7d9e2f4a61
Create Date: 2026-12-03 13:42:35.220989

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7e4b2d9c1a58'
down_revision = '3c7d9e2f4a61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('eudr_layers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('forest_reserve', 'protected_area', 'forest_cover_2020', 'other', name='layerkind', native_enum=False, length=32), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('areas_count', sa.Integer(), nullable=False),
    sa.Column('loaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['loaded_by_id'], ['users.id'], name=op.f('fk_eudr_layers_loaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_layers'))
    )
    op.create_table('eudr_layer_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('layer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geometry', sa.JSON(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['layer_id'], ['eudr_layers.id'], name=op.f('fk_eudr_layer_areas_layer_id_eudr_layers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_layer_areas'))
    )
    with op.batch_alter_table('eudr_layer_areas', schema=None) as batch_op:
        batch_op.create_index('ix_eudr_layer_areas_layer', ['layer_id'], unique=False)

    op.create_table('eudr_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('signature', 'witnessed', name='pledgekind', native_enum=False, length=32), nullable=False),
    sa.Column('image', sa.String(length=64), nullable=False),
    sa.Column('witness_name', sa.String(length=120), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declared_by_id'], ['users.id'], name=op.f('fk_eudr_declarations_declared_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_eudr_declarations_plot_id_plots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_eudr_declarations_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_declarations'))
    )
    with op.batch_alter_table('eudr_declarations', schema=None) as batch_op:
        batch_op.create_index('ix_eudr_declarations_plot', ['plot_id', 'id'], unique=False)

    op.create_table('eudr_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('image', sa.String(length=64), nullable=False),
    sa.Column('caption', sa.String(length=300), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_eudr_evidence_plot_id_plots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_eudr_evidence_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_evidence'))
    )
    with op.batch_alter_table('eudr_evidence', schema=None) as batch_op:
        batch_op.create_index('ix_eudr_evidence_plot', ['plot_id', 'id'], unique=False)

    op.create_table('eudr_land_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.Enum('chanote', 'ns3', 'spk_401', 'pbt5', 'other', name='landdocumenttype', native_enum=False, length=32), nullable=False),
    sa.Column('other_type', sa.String(length=80), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('raot_number', sa.String(length=40), nullable=False),
    sa.Column('image', sa.String(length=64), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_eudr_land_documents_plot_id_plots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_eudr_land_documents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_land_documents'))
    )
    with op.batch_alter_table('eudr_land_documents', schema=None) as batch_op:
        batch_op.create_index('ix_eudr_land_documents_plot', ['plot_id', 'id'], unique=False)

    op.create_table('eudr_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('reference_number', sa.String(length=60), nullable=False),
    sa.Column('verification_number', sa.String(length=60), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['rubber_lots.id'], name=op.f('fk_eudr_statements_lot_id_rubber_lots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_eudr_statements_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_statements'))
    )
    with op.batch_alter_table('eudr_statements', schema=None) as batch_op:
        batch_op.create_index('ix_eudr_statements_lot', ['lot_id', 'id'], unique=False)

    op.create_table('eudr_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('boundary_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('layers', sa.Text(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['boundary_id'], ['plot_boundaries.id'], name=op.f('fk_eudr_checks_boundary_id_plot_boundaries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_eudr_checks_plot_id_plots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_checks'))
    )
    with op.batch_alter_table('eudr_checks', schema=None) as batch_op:
        batch_op.create_index('ix_eudr_checks_plot', ['plot_id', 'id'], unique=False)

    op.create_table('eudr_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('layer_name', sa.String(length=200), nullable=False),
    sa.Column('area_name', sa.String(length=200), nullable=False),
    sa.Column('overlap_m2', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.Enum('cleared', 'excluded', name='flagdecision', native_enum=False, length=32), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['eudr_layer_areas.id'], name=op.f('fk_eudr_flags_area_id_eudr_layer_areas'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['check_id'], ['eudr_checks.id'], name=op.f('fk_eudr_flags_check_id_eudr_checks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_eudr_flags_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_eudr_flags_plot_id_plots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eudr_flags'))
    )
    with op.batch_alter_table('eudr_flags', schema=None) as batch_op:
        batch_op.create_index('ix_eudr_flags_check', ['check_id'], unique=False)
        batch_op.create_index('ix_eudr_flags_plot', ['plot_id'], unique=False)



def downgrade():
    with op.batch_alter_table('eudr_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_eudr_flags_plot')
        batch_op.drop_index('ix_eudr_flags_check')

    op.drop_table('eudr_flags')
    with op.batch_alter_table('eudr_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_eudr_checks_plot')

    op.drop_table('eudr_checks')
    with op.batch_alter_table('eudr_statements', schema=None) as batch_op:
        batch_op.drop_index('ix_eudr_statements_lot')

    op.drop_table('eudr_statements')
    with op.batch_alter_table('eudr_land_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_eudr_land_documents_plot')

    op.drop_table('eudr_land_documents')
    with op.batch_alter_table('eudr_evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_eudr_evidence_plot')

    op.drop_table('eudr_evidence')
    with op.batch_alter_table('eudr_declarations', schema=None) as batch_op:
        batch_op.drop_index('ix_eudr_declarations_plot')

    op.drop_table('eudr_declarations')
    with op.batch_alter_table('eudr_layer_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_eudr_layer_areas_layer')

    op.drop_table('eudr_layer_areas')
    op.drop_table('eudr_layers')
