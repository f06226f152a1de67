"""abbreviations the search expands

Revision ID: i17a0000001
Revises: i15b0000001
Create Date: 2026-12-01 10:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "i17a0000001"
down_revision = 'i15b0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "abbreviation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("meaning", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_abbreviation")),
    )
    with op.batch_alter_table("abbreviation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_abbreviation_slug"), ["slug"], unique=True)


def downgrade():
    with op.batch_alter_table("abbreviation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_abbreviation_slug"))
    op.drop_table("abbreviation")
