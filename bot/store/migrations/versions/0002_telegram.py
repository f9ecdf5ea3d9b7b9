"""telegram: access, message status, feedback, escalations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:18:18.663063
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chat.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_chat_id"), ["chat_id"], unique=False)

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_telegram_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("feedback", sa.Integer(), nullable=True))

    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allowed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("memory_reset_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum("kept", "pending", "done", name="messagestatus", native_enum=False, length=16),
                nullable=False,
                server_default="done",  # messages stored before this migration were all handled
            )
        )
        batch_op.create_index(batch_op.f("ix_message_status"), ["status"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allowed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("allowed")

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_status"))
        batch_op.drop_column("status")

    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.drop_column("memory_reset_at")
        batch_op.drop_column("allowed")

    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_column("feedback")
        batch_op.drop_column("reply_telegram_id")

    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_chat_id"))

    op.drop_table("escalation")
