"""tracker-neutral tickets: card_* columns become ticket_*, an escalation remembers its notices' language

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:00:00

Kaiten's card id was kept twice (``card_id`` and ``ticket_id``, always equal): the ticket id alone stays, as
text, so any tracker's ids fit. ``ticket_entry.card_id`` becomes ``ticket_id`` the same way.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_STRING = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.execute("UPDATE escalation SET ticket_id = CAST(card_id AS VARCHAR(32)) "
               "WHERE ticket_id IS NULL AND card_id IS NOT NULL")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.alter_column("card_url", new_column_name="ticket_url", existing_type=sa.String())
        batch_op.drop_column("card_id")
        batch_op.add_column(sa.Column("lang", _STRING(length=2), nullable=True))
    with op.batch_alter_table("ticket_entry", schema=None) as batch_op:
        batch_op.alter_column("card_id", type_=sa.String(length=255), existing_type=sa.BigInteger(),
                              existing_nullable=False, postgresql_using="card_id::varchar")
    with op.batch_alter_table("ticket_entry", schema=None) as batch_op:
        batch_op.alter_column("card_id", new_column_name="ticket_id", existing_type=sa.String(length=255),
                              existing_nullable=False)
        batch_op.add_column(sa.Column("tracker", _STRING(), nullable=False, server_default="kaiten"))


def downgrade() -> None:
    with op.batch_alter_table("ticket_entry", schema=None) as batch_op:
        batch_op.drop_column("tracker")
        batch_op.alter_column("ticket_id", new_column_name="card_id", existing_type=sa.String(length=255),
                              existing_nullable=False)
    with op.batch_alter_table("ticket_entry", schema=None) as batch_op:
        batch_op.alter_column("card_id", type_=sa.BigInteger(), existing_type=sa.String(length=255),
                              existing_nullable=False, postgresql_using="card_id::bigint")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_column("lang")
        batch_op.add_column(sa.Column("card_id", sa.BigInteger(), nullable=True))
        batch_op.alter_column("ticket_url", new_column_name="card_url", existing_type=sa.String())
    # Only Kaiten's ids were numbers: the others stay without a card id.
    op.execute("UPDATE escalation SET card_id = CAST(ticket_id AS BIGINT) WHERE tracker = 'kaiten'")
