"""claims are leases: the owner and expiry of a message's claim; updates an ingress keeps for a dialog process

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:15:00.000000

Several bot processes share one inbox: a claim names its owner and expires unless renewed, so a starting
process takes over only the claims of a process that stopped (never a live one of another replica).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"  # the lead re-chains revisions when merging
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("dispatch", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_message_dispatch"), ["dispatch"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_dispatch"))
        batch_op.drop_column("dispatch")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
