"""guest registrations, walk-ins and sessions open to guests

Revision ID: j18a0000001
Revises: j23a0000001
Create Date: 2026-12-01 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "j18a0000001"
down_revision = "j23a0000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("open_to_guests", sa.Boolean(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("email_key", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("guest_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("guest_email", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("guest_organisation", sa.String(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("guest_function", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("guest_token_nonce", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("guest_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("guest_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("walk_in", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    # Members' places carry their address: one address, one place per session.
    op.execute(
        'UPDATE registration SET email_key = (SELECT lower("user".email) FROM "user" '
        'WHERE "user".id = registration.user_id)'
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_registration_meeting_id_email_key"), ["meeting_id", "email_key"]
        )


def downgrade():
    op.execute("DELETE FROM registration WHERE user_id IS NULL")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_registration_meeting_id_email_key"), type_="unique"
        )
        for column in (
            "erased_at",
            "walk_in",
            "guest_confirmed_at",
            "hold_expires_at",
            "guest_token_hash",
            "guest_token_nonce",
            "guest_function",
            "guest_organisation",
            "guest_email",
            "guest_name",
            "email_key",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("open_to_guests")
