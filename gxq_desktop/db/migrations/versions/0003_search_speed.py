"""search speed: b-tree indexes for searches with several filters

Revision ID: 0003_search_speed
Revises: 0002_search_index
Create Date: 2026-11-28 15:30:00

See gxq_desktop/db/search_index.py: PostgreSQL gets (value, id) indexes of the filter columns
(PG_FILTER_INDEXES), from which a search with several filters reads each filter's ids alone; SQLite
gets (id, established_on) (SQLITE_INDEXES), through which a date range is checked per id. A few seconds
per 1,000,000 enterprises.
"""

from collections.abc import Sequence

from alembic import op

from gxq_desktop.db import search_index

revision: str = "0003_search_speed"
down_revision: str | None = "0002_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for stmt in search_index.sqlite_index_ddl() if sqlite else search_index.pg_filter_ddl():
        op.execute(stmt)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in search_index.SQLITE_INDEXES if sqlite else search_index.PG_FILTER_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
