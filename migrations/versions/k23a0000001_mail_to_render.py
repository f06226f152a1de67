"""outgoing mail: what the sender still has to render

Revision ID: k23a0000001
Revises: k19e0000001
Create Date: 2026-12-02 02:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "k23a0000001"
down_revision = "k19e0000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.add_column(sa.Column("to_render", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_column("to_render")
