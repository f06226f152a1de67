"""networks and memberships; every session, practice, proeftuin and thread in a network

An existing installation becomes the default network: every row is moved into it and
every account becomes a member there (coordinators and admins its coordinators).

Revision ID: k22a0000001
Revises: k19a0000001
Create Date: 2026-12-01 16:10:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "k22a0000001"
down_revision = "k19a0000001"
branch_labels = None
depends_on = None

# The tables whose rows belong to a network (a theme may also be shared: NULL).
OWNED = ("meeting", "practice", "proeftuin", "recommendation")


def upgrade():
    network = op.create_table(
        "network",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=True),
        sa.Column("logo", sa.String(length=500), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network")),
    )
    op.create_index(op.f("ix_network_slug"), "network", ["slug"], unique=True)
    op.create_table(
        "network_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["network.id"],
            name=op.f("fk_network_membership_network_id_network"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_network_membership_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_membership")),
        sa.UniqueConstraint(
            "network_id", "user_id", name=op.f("uq_network_membership_network_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_network_membership_user_id"), "network_membership", ["user_id"]
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    op.bulk_insert(
        network,
        [
            {
                "id": 1,
                "slug": "duaal-leren-ho-vwo",
                "title": "Lerend netwerk duaal leren",
                "summary": "",
                "body": "",
                "levels": ["hoger-onderwijs", "volwassenenonderwijs"],
                "is_default": True,
                "position": 0,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('network', 'id'), 1)")
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("network_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET network_id = 1")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("network_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_network_id"), ["network_id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_network_id_network"),
                "network",
                ["network_id"],
                ["id"],
                ondelete="RESTRICT",
            )
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_theme_network_id"), ["network_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_theme_network_id_network"),
            "network",
            ["network_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    # Every account is a member of the default network; its coordinators stay coordinators.
    op.execute(
        "INSERT INTO network_membership (network_id, user_id, role, created_at) "
        "SELECT 1, id, CASE WHEN role IN ('coordinator', 'admin') THEN 'coordinator' "
        "ELSE 'member' END, created_at FROM \"user\""
    )


def downgrade():
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_theme_network_id_network"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_theme_network_id"))
        batch_op.drop_column("network_id")
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_network_id_network"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_network_id"))
            batch_op.drop_column("network_id")
    op.drop_table("network_membership")
    op.drop_index(op.f("ix_network_slug"), table_name="network")
    op.drop_table("network")
