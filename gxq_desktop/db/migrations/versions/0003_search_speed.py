"""search speed: (value, id) indexes of the filter columns (PostgreSQL)

Revision ID: 0003_search_speed
Revises: 0002_search_index
Create Date: 2026-11-28 15:30:00

PostgreSQL only (see gxq_desktop/db/search_index.py, PG_FILTER_INDEXES): a search with several filters
reads each filter's ids from one of these alone. SQLite needs nothing new (its indexes already hold
the rowid). About 5 seconds per 1,000,000 enterprises.
"""

from collections.abc import Sequence

from alembic import op

from gxq_desktop.db import search_index

revision: str = "0003_search_speed"
down_revision: str | None = "0002_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for stmt in search_index.pg_filter_ddl():
            op.execute(stmt)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in search_index.PG_FILTER_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
