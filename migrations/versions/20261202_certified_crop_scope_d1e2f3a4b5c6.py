"""The crops a certification decision covers (decision_crops): a listing, a kitchen offer or a share may name only a
crop the plot's certificate covers. Existing certificates are backfilled from the plots' crops of today.

Revision ID: d1e2f3a4b5c6
Revises: c7d1e2f3a4b5
Create Date: 2026-12-02 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd1e2f3a4b5c6'
down_revision = 'c7d1e2f3a4b5'
branch_labels = None
depends_on = None

# The outcomes that set a certificate's status; a rejection leaves the earlier standing in place.
_STANDING = "('certify', 'certify_with_conditions', 'in_conversion')"


def upgrade():
    op.create_table('decision_crops',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_decision_crops_crop_id_crops'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_decision_crops_decision_id_decisions')),
    sa.PrimaryKeyConstraint('decision_id', 'crop_id', name=op.f('pk_decision_crops'))
    )
    with op.batch_alter_table('decision_crops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_crops_crop_id'), ['crop_id'], unique=False)
    # What each inspection saw: a decision covers only these (a crop added between the visit and the decision
    # waits for the next inspection). Older inspections recorded nothing; their decisions fall back to the plot.
    op.create_table('inspection_crops',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('crop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['crop_id'], ['crops.id'], name=op.f('fk_inspection_crops_crop_id_crops'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_crops_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('inspection_id', 'crop_id', name=op.f('pk_inspection_crops'))
    )

    # Backfill. Until now nothing recorded which crops an inspection saw, so we assume that every crop registered
    # on a plot today was there when its certificate's latest decision was made, and count it as covered. Only
    # that latest standing decision of each certificate is filled (it alone decides what may be sold now); older
    # decisions stay without crops rather than be given a scope nobody recorded. Without this, every listing of an
    # existing certified plot would be refused the day this is deployed; the next inspection's decision records
    # the true scope.
    op.execute(f"""
        INSERT INTO decision_crops (decision_id, crop_id)
        SELECT latest.decision_id, plot_crops.crop_id
        FROM (SELECT applications.certification_id, MAX(decisions.id) AS decision_id
              FROM decisions JOIN applications ON applications.id = decisions.application_id
              WHERE decisions.outcome IN {_STANDING}
              GROUP BY applications.certification_id) AS latest
        JOIN certifications ON certifications.id = latest.certification_id
        JOIN plot_crops ON plot_crops.plot_id = certifications.plot_id
    """)


def downgrade():
    op.drop_table('inspection_crops')
    with op.batch_alter_table('decision_crops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_crops_crop_id'))

    op.drop_table('decision_crops')
