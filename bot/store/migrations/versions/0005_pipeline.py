"""pipeline: intent of each message, the bot's reply message, deferred questions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 14:30:00

Each message records its intent, the classifier's confidence and which path decided (rule/llm/default).
``reply_telegram_id`` is the bot message that shows the answer (a resumed answer edits it instead of leaving a
half-written one behind); ``deferred_at`` marks a question put off because the model server was down (the user
was told once; it is answered when the server is back).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("intent_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("intent_path", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("reply_telegram_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("deferred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        for column in ("deferred_at", "reply_telegram_id", "intent_path", "intent_confidence", "intent"):
            batch_op.drop_column(column)
