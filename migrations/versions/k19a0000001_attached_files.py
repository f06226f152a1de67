"""attached files: stored contents, attachments and their versions

Revision ID: k19a0000001
Revises: j18a0000001
Create Date: 2026-12-01 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "k19a0000001"
down_revision = "j18a0000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "file_blob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mimetype", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_status", sa.String(length=10), nullable=False),
        sa.Column("text_attempts", sa.Integer(), nullable=False),
        sa.Column("text_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_blob")),
        sa.UniqueConstraint("sha256", name=op.f("uq_file_blob_sha256")),
    )
    op.create_index(op.f("ix_file_blob_text_status"), "file_blob", ["text_status"])
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_type", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["file_blob.id"], name=op.f("fk_attachment_blob_id_file_blob")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
            name=op.f("fk_attachment_uploaded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index("ix_attachment_parent", "attachment", ["parent_type", "parent_id"])
    op.create_index(op.f("ix_attachment_blob_id"), "attachment", ["blob_id"])
    op.create_index(op.f("ix_attachment_uploaded_by_id"), "attachment", ["uploaded_by_id"])
    op.create_table(
        "attachment_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=160), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_attachment_version_attachment_id_attachment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["file_blob.id"], name=op.f("fk_attachment_version_blob_id_file_blob")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
            name=op.f("fk_attachment_version_uploaded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_version")),
    )
    op.create_index(
        op.f("ix_attachment_version_attachment_id"), "attachment_version", ["attachment_id"]
    )
    op.create_index(op.f("ix_attachment_version_blob_id"), "attachment_version", ["blob_id"])
    op.create_index(
        op.f("ix_attachment_version_uploaded_by_id"), "attachment_version", ["uploaded_by_id"]
    )


def downgrade():
    op.drop_table("attachment_version")
    op.drop_table("attachment")
    op.drop_table("file_blob")
