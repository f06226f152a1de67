"""final report versions, key arguments, proeftuinen of a recommendation, thread mail

Revision ID: i21a0000001
Revises: i24b0000001
Create Date: 2026-12-01 10:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "i21a0000001"
down_revision = 'i24b0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "final_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("closing", sa.Text(), nullable=False),
        sa.Column("selection", sa.JSON(), nullable=True),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report_date", sa.Date(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("frozen_by_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["frozen_by_id"],
            ["user.id"],
            name=op.f("fk_final_report_frozen_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_final_report")),
    )
    op.create_table(
        "recommendation_proeftuin",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("proeftuin_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proeftuin_id"],
            ["proeftuin.id"],
            name=op.f("fk_recommendation_proeftuin_proeftuin_id_proeftuin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_proeftuin_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "recommendation_id", "proeftuin_id", name=op.f("pk_recommendation_proeftuin")
        ),
    )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("key_argument", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "thread_mail", sa.String(length=20), nullable=False, server_default="direct"
            )
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("thread_mail")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("key_argument")
    op.drop_table("recommendation_proeftuin")
    op.drop_table("final_report")
