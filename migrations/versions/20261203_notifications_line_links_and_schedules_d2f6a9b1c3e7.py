"""The notification centre (notifications, each person's choices per kind), LINE (links from LINE Login, the
monthly push quota, webhook events taken once) and the worker's schedules (one job per tick).

Revision ID: d2f6a9b1c3e7
Revises: c4d0f284f2dc
Create Date: 2026-12-03 07:35:25.360114

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd2f6a9b1c3e7'
down_revision = 'c4d0f284f2dc'
branch_labels = None
depends_on = None

CHANNEL = sa.Enum('line', 'email', 'none', name='channel', native_enum=False, length=32)


def upgrade():
    op.create_table('line_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_line_events_event_id'))
    )
    op.create_table('line_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('limit', sa.Integer(), nullable=True),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.Column('exhausted', sa.Boolean(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_quota')),
    sa.UniqueConstraint('month', name=op.f('uq_line_quota_month'))
    )
    op.create_table('line_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('friend', sa.Boolean(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('friend_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_line_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_links')),
    sa.UniqueConstraint('line_user_id', name=op.f('uq_line_links_line_user_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_line_links_user_id'))
    )
    op.create_table('notification_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('channel', CHANNEL, nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_choices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_choices')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_choices_user_id_kind'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('once_key', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('channel', CHANNEL, nullable=False),
    sa.Column('sent_via', CHANNEL, nullable=True),
    sa.Column('delivery', sa.Enum('waiting', 'sent', 'fell_back', 'not_sent', name='delivery', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('retry_key', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('retry_key', name=op.f('uq_notifications_retry_key')),
    sa.UniqueConstraint('user_id', 'once_key', name=op.f('uq_notifications_user_id_once_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('schedule_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule', sa.String(length=64), nullable=False),
    sa.Column('tick', sa.DateTime(timezone=True), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_schedule_runs_job_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_runs')),
    sa.UniqueConstraint('schedule', 'tick', name=op.f('uq_schedule_runs_schedule_tick'))
    )


def downgrade():
    op.drop_table('schedule_runs')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_created')
    op.drop_table('notifications')
    op.drop_table('notification_choices')
    op.drop_table('line_links')
    op.drop_table('line_quota')
    op.drop_table('line_events')
