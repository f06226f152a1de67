"""products: the productenmarkt (product, product_theme, product_session)

Revision ID: k19e0000001
Revises: k19d0000001
Create Date: 2026-12-01 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "k19e0000001"
down_revision = "k19d0000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=30), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("proeftuin_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proeftuin_id"],
            ["proeftuin.id"],
            name=op.f("fk_product_proeftuin_id_proeftuin"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_product_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_product_network_id_network"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_proeftuin_id"), ["proeftuin_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_slug"), ["slug"], unique=True)
        batch_op.create_index(batch_op.f("ix_product_network_id"), ["network_id"], unique=False)
    op.create_table(
        "product_theme",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_theme_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
            name=op.f("fk_product_theme_theme_id_theme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "theme_id", name=op.f("pk_product_theme")),
    )
    op.create_table(
        "product_session",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_session_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_product_session_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "meeting_id", name=op.f("pk_product_session")),
    )


def downgrade():
    op.drop_table("product_session")
    op.drop_table("product_theme")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_network_id"))
        batch_op.drop_index(batch_op.f("ix_product_slug"))
        batch_op.drop_index(batch_op.f("ix_product_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_product_proeftuin_id"))
        batch_op.drop_index(batch_op.f("ix_product_level"))
        batch_op.drop_index(batch_op.f("ix_product_kind"))
    op.drop_table("product")
