"""file text extraction: when a failed extraction is tried again

Revision ID: k19d0000001
Revises: k19c0000001
Create Date: 2026-12-01 16:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "k19d0000001"
down_revision = "k19c0000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("file_blob") as batch:
        batch.add_column(sa.Column("text_retry_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("file_blob") as batch:
        batch.drop_column("text_retry_at")
