"""Privacy notices (privacy): versions of the notice in Thai and English, each person's acknowledgement of a version
(on their own screen, or read to them by a coordinator), and the notice version in force with each consent. No
consent is assumed for the farmers already on file: their names leave the public pages until they agree.

Revision ID: 4f1a8c6e2b93
Revises: 7e4b2d9c1a58
Create Date: 2026-12-03 14:21:32.254248

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '4f1a8c6e2b93'
down_revision = '7e4b2d9c1a58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body_th', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_privacy_notices_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_notices')),
    sa.UniqueConstraint('version', name=op.f('uq_privacy_notices_version'))
    )
    op.create_table('privacy_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('on_screen', 'witnessed', name='consentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['privacy_notices.id'], name=op.f('fk_privacy_acknowledgements_notice_id_privacy_notices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_privacy_acknowledgements_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_acknowledgements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_acknowledgements')),
    sa.UniqueConstraint('user_id', 'notice_id', name=op.f('uq_privacy_acknowledgements_user_id_notice_id'))
    )
    with op.batch_alter_table('privacy_acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_acknowledgements_notice_id'), ['notice_id'], unique=False)

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consents_notice_id_privacy_notices'), 'privacy_notices', ['notice_id'], ['id'], ondelete='RESTRICT')



def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consents_notice_id_privacy_notices'), type_='foreignkey')
        batch_op.drop_column('notice_id')

    with op.batch_alter_table('privacy_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_acknowledgements_notice_id'))

    op.drop_table('privacy_acknowledgements')
    op.drop_table('privacy_notices')
