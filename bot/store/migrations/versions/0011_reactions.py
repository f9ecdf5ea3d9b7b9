"""reactions: 👍/👎 message reactions on answers count as feedback, one row per answer and user

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reaction_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("user_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["answer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("answer_id", "user_telegram_id"),
    )
    op.create_index(op.f("ix_reaction_feedback_answer_id"), "reaction_feedback", ["answer_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reaction_feedback_answer_id"), table_name="reaction_feedback")
    op.drop_table("reaction_feedback")
