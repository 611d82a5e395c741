"""search speed: filter keys on PostgreSQL too

Revision ID: 0006_pg_filter_keys
Revises: 0005_filter_keys
Create Date: 2026-11-29 10:00:00

See gxq_desktop/db/search_index.py ("filter keys"): the side table of packed filter keys that SQLite got
in 0005_filter_keys, now on PostgreSQL, kept exact by PL/pgSQL triggers on ``enterprises`` and the
record tables, with its index and the narrow (id, name, established_on) sort index. Only where the
search index exists (it is optional); databases that already have the keys (PostgreSQL databases created
at 0002 by this version) are left alone. SQLite: nothing to do (0005 made them). About 5 s per
1,000,000 enterprises, during which ``enterprises`` and the record tables are locked (only an
administrator upgrades a shared database). Index-only reads of the new keys want a VACUUM of
``enterprise_filter_keys`` afterwards (autovacuum does it soon after such an insert).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from gxq_desktop.db import search_index

revision: str = "0006_pg_filter_keys"
down_revision: str | None = "0005_filter_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXED = "ix_enterprises_search_name"  # one of the search index's GIN indexes (see 0002)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite" or search_index.has_filter_keys(conn):
        return
    if conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": _INDEXED}).scalar_one():
        search_index.create_filter_keys(conn)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for stmt in search_index.filter_keys_drop(pg=True):
            op.execute(stmt)
