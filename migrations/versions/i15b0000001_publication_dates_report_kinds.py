"""publication dates, project updates, session report visibility

Revision ID: i15b0000001
Revises: i16a0000001
Create Date: 2026-12-01 10:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i15b0000001'
down_revision = 'i16a0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_visibility', sa.String(length=20), nullable=False, server_default='members'))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('visit_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='visit'))
    # Reports that came from an accepted project update are project updates.
    op.execute(
        "UPDATE visit_report SET kind = 'update' WHERE id IN "
        "(SELECT report_id FROM contribution WHERE kind = 'update' AND report_id IS NOT NULL)"
    )


def downgrade():
    with op.batch_alter_table('visit_report', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_column('published_at')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('published_at')
        batch_op.drop_column('report_visibility')
