"""escalation tickets: the ticket an escalation became, its messages in the chat, synced ticket entries

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-26 14:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

_STRING = sqlmodel.sql.sqltypes.AutoString
_WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("question_key", _STRING(), nullable=True))
        batch_op.add_column(sa.Column("question", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("question_telegram_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("source", _STRING(), nullable=False, server_default="button"))
        batch_op.add_column(sa.Column("tracker", _STRING(), nullable=True))
        batch_op.add_column(sa.Column("external_id", _STRING(), nullable=True))
        batch_op.add_column(sa.Column("card_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("ticket_id", _STRING(), nullable=True))
        batch_op.add_column(sa.Column("card_url", _STRING(), nullable=True))
        batch_op.add_column(sa.Column("last_comment_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_error", _STRING(), nullable=True))
        batch_op.add_column(sa.Column("user_told_saved", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("user_told_ticket", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("admin_told", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("updated_at", _WHEN(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", _WHEN(), nullable=True))
        batch_op.create_foreign_key("fk_escalation_message_id", "message", ["message_id"], ["id"])
        batch_op.create_unique_constraint("uq_escalation_chat_question", ["chat_id", "question_key"])
        batch_op.create_index("ix_escalation_status", ["status"])
    op.create_table(
        "escalation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("chat_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=False),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", _STRING(), nullable=False),
        sa.Column("created_at", _WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_telegram_id", "telegram_message_id"),
    )
    op.create_index("ix_escalation_message_escalation_id", "escalation_message", ["escalation_id"])
    op.create_table(
        "ticket_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.BigInteger(), nullable=False),
        sa.Column("title", _STRING(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False, server_default=""),
        sa.Column("done_at", _WHEN(), nullable=True),
        sa.Column("status", _STRING(), nullable=False),
        sa.Column("review_sent_at", _WHEN(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _WHEN(), nullable=False),
        sa.Column("updated_at", _WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_id"),
    )
    op.create_table(
        "ticket_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", _WHEN(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("ticket_sync")
    op.drop_table("ticket_entry")
    op.drop_index("ix_escalation_message_escalation_id", table_name="escalation_message")
    op.drop_table("escalation_message")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_status")
        batch_op.drop_constraint("uq_escalation_chat_question", type_="unique")
        batch_op.drop_constraint("fk_escalation_message_id", type_="foreignkey")
        for column in ("resolved_at", "updated_at", "admin_told", "user_told_ticket", "user_told_saved",
                       "last_error", "attempts", "last_comment_id", "card_url", "ticket_id", "card_id",
                       "external_id", "tracker", "source", "question_telegram_id", "question", "question_key",
                       "message_id"):
            batch_op.drop_column(column)
