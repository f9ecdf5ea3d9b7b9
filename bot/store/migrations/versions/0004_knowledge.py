"""knowledge: document content, size and pages; chunk text and page

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:48:09.587175

Documents keep their extracted text parts (``content``) so ``reindex`` needs no original file;
chunks keep their text for the lexical (BM25) side of hybrid retrieval and their PDF page for
citations. Documents ingested before it have no stored content: ``dialog-keeper reindex`` re-reads
them from their source path while the same file is still there, and reports the others as skipped.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chunk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("text", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("size_bytes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("pages", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("content", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("content")
        batch_op.drop_column("pages")
        batch_op.drop_column("size_bytes")

    with op.batch_alter_table("chunk", schema=None) as batch_op:
        batch_op.drop_column("text")
        batch_op.drop_column("page")
