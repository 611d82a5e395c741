"""search speed: SQLite filter keys for searches with filters only

Revision ID: 0005_filter_keys
Revises: 0004_fts_no_sizes
Create Date: 2026-11-28 18:10:00

See gxq_desktop/db/search_index.py ("SQLite filter keys"): each enterprise's filter values packed into
one integer key in a thin side table kept exact by triggers on ``enterprises`` and the record tables,
an index on it, and a narrow (id, name, established_on) index for sorting the matches. About 6 s per
1,000,000 enterprises. Only where the search index exists (it is optional); PostgreSQL: nothing to do
(its planner combines the filter indexes itself).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from gxq_desktop.db import search_index

revision: str = "0005_filter_keys"
down_revision: str | None = "0004_fts_no_sizes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite" or search_index.has_filter_keys(conn):
        return
    indexed = conn.execute(
        text("SELECT count(*) FROM sqlite_master WHERE name = :t"), {"t": search_index.FTS_TABLES[0]}
    ).scalar_one()
    if indexed:
        search_index.create_filter_keys(conn)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in search_index.filter_keys_drop():
            op.execute(stmt)
