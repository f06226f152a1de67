"""meeting.uid stored; registration.sequence for the per-member iTIP order

Revision ID: i16a0000001
Revises: 1c1c0dbd1c98
Create Date: 2026-12-01 10:30:00.000000

Existing sessions keep the UID calendars know them by today, "meeting-<id>@<host of
SITE_URL>", so nothing changes for current subscribers; new sessions get a random UUID.
"""

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "i16a0000001"
down_revision = "1c1c0dbd1c98"
branch_labels = None
depends_on = None


def _host() -> str:
    site_url = current_app.config.get("SITE_URL") or ""
    return urlsplit(site_url.rstrip("/")).hostname or "lerend-netwerk.invalid"


def upgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(length=255), nullable=True))
    meeting = sa.table("meeting", sa.column("id", sa.Integer), sa.column("uid", sa.String))
    connection = op.get_bind()
    host = _host()
    for (meeting_id,) in connection.execute(sa.select(meeting.c.id)).all():
        connection.execute(
            meeting.update()
            .where(meeting.c.id == meeting_id)
            .values(uid=f"meeting-{meeting_id}@{host}")
        )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.alter_column("uid", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_meeting_uid"), ["uid"])
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sequence", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("sequence")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_meeting_uid"), type_="unique")
        batch_op.drop_column("uid")
