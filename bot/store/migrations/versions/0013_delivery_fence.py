"""the moment a claim's owner began to deliver the final answer (the fence a lost claim cannot pass)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:30:00.000000

The owner of a claim checks that the claim is still its own and records ``delivering_at`` in one conditional
UPDATE before it sends the final answer; a process whose lease ran out (another took the message over) sends
nothing. A takeover of a message with ``delivering_at`` set knows the first answer may have reached the chat.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.add_column(sa.Column("delivering_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_column("delivering_at")
