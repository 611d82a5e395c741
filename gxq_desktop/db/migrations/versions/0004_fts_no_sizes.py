"""search index: SQLite FTS5 tables without per-row column sizes

Revision ID: 0004_fts_no_sizes
Revises: 0003_search_speed
Create Date: 2026-11-28 17:00:00

The FTS5 tables of the enterprise search index are re-created with ``columnsize=0`` (see
gxq_desktop/db/search_index.py): the sizes serve only bm25 ranking, which the search does not use, and
maintaining them made large imports about 8 % slower. Databases whose index already has this layout
(created at 0002 by this version) are left alone; older ones are re-indexed, about 1.5 minutes per
1,000,000 enterprises (SQLite files are backed up before any upgrade). PostgreSQL: nothing to do.
Downgrade keeps the tables: older versions work with either layout.
"""

from collections.abc import Sequence

from alembic import op

from gxq_desktop.db import search_index

revision: str = "0004_fts_no_sizes"
down_revision: str | None = "0003_search_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite" and not search_index.sqlite_has_current_layout(conn):
        search_index.create(conn)


def downgrade() -> None:
    pass
