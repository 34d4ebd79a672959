"""Certification: standards and versioned charters, applications, assignments, inspections,
decisions, status events and residue tests; users get an address (households).

Revision ID: a6eb3f96936e
Revises: 6d867d4daea1
Create Date: 2026-11-24 05:38:26.215880

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6eb3f96936e'
down_revision = '6d867d4daea1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_th', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('pgs_organic', 'fsc_group', name='standardkind', native_enum=False, length=32), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standards')),
    sa.UniqueConstraint('code', name=op.f('uq_standards_code'))
    )
    op.create_table('standard_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='versionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('is_demo_default', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_standard_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_standard_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_standard_versions_standard_id_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_versions')),
    sa.UniqueConstraint('standard_id', 'number', name=op.f('uq_standard_versions_standard_id_number'))
    )
    with op.batch_alter_table('standard_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_versions_standard_id'), ['standard_id'], unique=False)

    op.create_table('checklist_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_th', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['standard_versions.id'], name=op.f('fk_checklist_sections_version_id_standard_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_sections'))
    )
    with op.batch_alter_table('checklist_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_sections_version_id'), ['version_id'], unique=False)

    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_certified', 'in_conversion', 'certified', 'certified_with_conditions', 'suspended', 'revoked', 'expired', name='certstatus', native_enum=False, length=32), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('last_inspected_on', sa.Date(), nullable=True),
    sa.Column('status_before_suspension', sa.Enum('not_certified', 'in_conversion', 'certified', 'certified_with_conditions', 'suspended', 'revoked', 'expired', name='certstatus', native_enum=False, length=32), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_certifications_plot_id_plots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_certifications_standard_id_standards')),
    sa.ForeignKeyConstraint(['version_id'], ['standard_versions.id'], name=op.f('fk_certifications_version_id_standard_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications')),
    sa.UniqueConstraint('plot_id', 'standard_id', name=op.f('uq_certifications_plot_id_standard_id'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_plot_id'), ['plot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_standard_id'), ['standard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_valid_until'), ['valid_until'], unique=False)

    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=12), nullable=False),
    sa.Column('text_th', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['checklist_sections.id'], name=op.f('fk_checklist_items_section_id_checklist_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items'))
    )
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_items_section_id'), ['section_id'], unique=False)

    op.create_table('residue_tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=False),
    sa.Column('tested_on', sa.Date(), nullable=False),
    sa.Column('sample', sa.String(length=200), nullable=False),
    sa.Column('substance', sa.String(length=200), nullable=False),
    sa.Column('method', sa.Enum('rapid', 'lab', name='residuemethod', native_enum=False, length=32), nullable=False),
    sa.Column('result', sa.Enum('passed', 'failed', 'inconclusive', name='residueresult', native_enum=False, length=32), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('laboratory', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('tested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plot_id'], ['plots.id'], name=op.f('fk_residue_tests_plot_id_plots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tested_by_id'], ['users.id'], name=op.f('fk_residue_tests_tested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residue_tests'))
    )
    with op.batch_alter_table('residue_tests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residue_tests_plot_id'), ['plot_id'], unique=False)

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'assigned', 'inspected', 'decided', 'withdrawn', name='applicationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('pledge_kind', sa.Enum('signature', 'witnessed', name='pledgekind', native_enum=False, length=32), nullable=False),
    sa.Column('pledge_image', sa.String(length=64), nullable=False),
    sa.Column('witness_name', sa.String(length=120), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_applications_certification_id_certifications')),
    sa.ForeignKeyConstraint(['version_id'], ['standard_versions.id'], name=op.f('fk_applications_version_id_standard_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_certification_id'), ['certification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_status'), ['status'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_assignments_application_id_applications')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_assignments_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_assignments_inspector_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('application_id', 'inspector_id', name=op.f('uq_assignments_application_id_inspector_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_inspector_id'), ['inspector_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('certify', 'certify_with_conditions', 'in_conversion', 'reject', name='outcome', native_enum=False, length=32), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_decisions_application_id_applications')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_decisions_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('application_id', name=op.f('uq_decisions_application_id'))
    )
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('accuracy_m', sa.Integer(), nullable=True),
    sa.Column('recommendation', sa.Enum('certify', 'certify_with_conditions', 'in_conversion', 'reject', name='outcome', native_enum=False, length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_inspections_application_id_applications')),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['inspections.id'], name=op.f('fk_inspections_supersedes_id_inspections')),
    sa.ForeignKeyConstraint(['version_id'], ['standard_versions.id'], name=op.f('fk_inspections_version_id_standard_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_inspections_client_uuid')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_inspections_supersedes_id'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_inspector_id'), ['inspector_id'], unique=False)

    op.create_table('certification_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('decision', 'suspension', 'reinstatement', 'revocation', 'expiry', name='eventkind', native_enum=False, length=32), nullable=False),
    sa.Column('from_status', sa.Enum('not_certified', 'in_conversion', 'certified', 'certified_with_conditions', 'suspended', 'revoked', 'expired', name='certstatus', native_enum=False, length=32), nullable=False),
    sa.Column('to_status', sa.Enum('not_certified', 'in_conversion', 'certified', 'certified_with_conditions', 'suspended', 'revoked', 'expired', name='certstatus', native_enum=False, length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_certification_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_certification_events_certification_id_certifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_certification_events_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_events'))
    )
    with op.batch_alter_table('certification_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_events_certification_id'), ['certification_id'], unique=False)

    op.create_table('inspection_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('compliant', 'non_compliant', 'not_applicable', name='answer', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_answers_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_inspection_answers_item_id_checklist_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_answers')),
    sa.UniqueConstraint('inspection_id', 'item_id', name=op.f('uq_inspection_answers_inspection_id_item_id'))
    )
    with op.batch_alter_table('inspection_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_answers_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspection_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_photos_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_inspection_photos_item_id_checklist_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_photos')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_inspection_photos_stored_name'))
    )
    with op.batch_alter_table('inspection_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_photos_inspection_id'), ['inspection_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('address')

    with op.batch_alter_table('inspection_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_photos_inspection_id'))

    op.drop_table('inspection_photos')
    with op.batch_alter_table('inspection_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_answers_inspection_id'))

    op.drop_table('inspection_answers')
    with op.batch_alter_table('certification_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_events_certification_id'))

    op.drop_table('certification_events')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_inspector_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_application_id'))

    op.drop_table('inspections')
    op.drop_table('decisions')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_inspector_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_application_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_status'))
        batch_op.drop_index(batch_op.f('ix_applications_certification_id'))

    op.drop_table('applications')
    with op.batch_alter_table('residue_tests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_residue_tests_plot_id'))

    op.drop_table('residue_tests')
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_items_section_id'))

    op.drop_table('checklist_items')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_valid_until'))
        batch_op.drop_index(batch_op.f('ix_certifications_standard_id'))
        batch_op.drop_index(batch_op.f('ix_certifications_plot_id'))

    op.drop_table('certifications')
    with op.batch_alter_table('checklist_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_sections_version_id'))

    op.drop_table('checklist_sections')
    with op.batch_alter_table('standard_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_versions_standard_id'))

    op.drop_table('standard_versions')
    op.drop_table('standards')
