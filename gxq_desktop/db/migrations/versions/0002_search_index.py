"""search index: FTS5 tables + triggers (SQLite), gram GIN expression indexes (PostgreSQL)

Revision ID: 0002_search_index
Revises: 0001_baseline
Create Date: 2026-11-28 13:00:00

See gxq_desktop/db/search_index.py for what is created and why. Creating it on an existing database
indexes the enterprises already there (about 1 minute per 1,000,000 on SQLite).
"""

from collections.abc import Sequence

from alembic import op

from gxq_desktop.db import search_index

revision: str = "0002_search_index"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    search_index.create(op.get_bind())


def downgrade() -> None:
    search_index.drop(op.get_bind())
