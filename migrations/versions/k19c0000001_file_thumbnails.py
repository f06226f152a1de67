"""attached files: the stored thumbnail of an image

Revision ID: k19c0000001
Revises: k22a0000001
Create Date: 2026-12-01 16:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "k19c0000001"
down_revision = "k22a0000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("file_blob") as batch_op:
        batch_op.add_column(sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("file_blob") as batch_op:
        batch_op.drop_column("thumbnail_sha256")
