"""The access log (privacy): each time someone other than the person saw their phone number on a page, downloaded
a file with it, or opened the photo of their land document; the person sees it.

Revision ID: 8b2e5d7f3c10
Revises: 4f1a8c6e2b93
Create Date: 2026-12-03 14:43:02.365027

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8b2e5d7f3c10'
down_revision = '4f1a8c6e2b93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('phone', 'export', 'land_document', name='accesskind', native_enum=False, length=32), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_privacy_access_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_id'], ['users.id'], name=op.f('fk_privacy_access_log_subject_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_access_log'))
    )
    with op.batch_alter_table('privacy_access_log', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_access_log_subject', ['subject_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('privacy_access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_access_log_subject')

    op.drop_table('privacy_access_log')
