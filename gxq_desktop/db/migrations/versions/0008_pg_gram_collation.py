"""search index: GIN gram indexes compared in the "C" collation on PostgreSQL

Revision ID: 0008_pg_gram_collation
Revises: 0007_pg_fast_grams
Create Date: 2026-11-29 13:00:00

The eight GIN indexes of the enterprise search (see ``search_index.pg_gram_sql``) are built again with
their gram arrays in the "C" collation: their builds (every large import into an empty table, every
re-index) spent a fifth of their time in language-aware string comparisons, which gram keys never
need. The search's queries use the same expression. Indexes already in that form (created at 0002 by
this version) are left alone. Building them takes about 3 minutes per 1,000,000 enterprises, during
which ``enterprises`` is locked (only an administrator upgrades a shared database). SQLite: nothing
to do. Downgrade builds them as 0002 did.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from gxq_desktop.db import search_index

revision: str = "0008_pg_gram_collation"
down_revision: str | None = "0007_pg_fast_grams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# pg_index.indcollation of a one-column index, as text ("950" is the "C" collation's OID).
_COLLATION = (
    "SELECT CAST(i.indcollation AS text) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE c.relname = :n AND c.relnamespace = to_regnamespace(current_schema())"
)
_C = "SELECT CAST(oid AS text) FROM pg_collation WHERE collname = 'C' AND collnamespace = 'pg_catalog'::regnamespace"


def _rebuild(to_c: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        return
    c_oid = conn.execute(text(_C)).scalar_one()
    op.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # GIN builds sort their keys in memory
    rebuilt = False
    for key, (fn, expr) in search_index.PG_GRAM_EXPRESSIONS.items():
        name = f"ix_enterprises_search_{key}"
        current = conn.execute(text(_COLLATION), {"n": name}).scalar()
        if current is None or (current == c_oid) == to_c:
            continue  # no search index here, or already in the wanted form
        rebuilt = True
        op.execute(text(f"DROP INDEX {name}"))
        if to_c:
            op.execute(text(search_index.pg_gram_index_ddl(key)))
        else:
            op.execute(text(f"CREATE INDEX {name} ON enterprises USING gin ({fn}({expr.replace('e.', '')}))"))
    if rebuilt:  # the gram statistics of the search come from the new indexes
        op.execute(text("ANALYZE enterprises"))


def upgrade() -> None:
    _rebuild(to_c=True)


def downgrade() -> None:
    _rebuild(to_c=False)
