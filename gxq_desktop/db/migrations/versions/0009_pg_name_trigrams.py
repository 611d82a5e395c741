"""search index: a trigram GIN index of the names on PostgreSQL

Revision ID: 0009_pg_name_trigrams
Revises: 0008_pg_gram_collation
Create Date: 2026-11-29 14:00:00

Name terms of three or more characters are looked up by their trigrams (``ix_enterprises_search_name3``,
see ``search_index.PG_GRAM_EXPRESSIONS``) instead of their character pairs: a three-character term is
then exactly one gram, so its rows are counted from the index alone rather than by reading up to
10,000 of them, and a longer term gets far fewer false candidates. Only where the search index exists
(a database created at 0002 by this version has it already). Building it takes about 30 seconds per
1,000,000 enterprises, during which ``enterprises`` is locked (only an administrator upgrades a shared
database). SQLite: nothing to do (its FTS5 trigram table holds the names already).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from gxq_desktop.db import search_index

revision: str = "0009_pg_name_trigrams"
down_revision: str | None = "0008_pg_gram_collation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_enterprises_search_name3"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        search_index.pg_add_gram_index(conn, "name3")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(text(f"DROP INDEX IF EXISTS {_INDEX}"))
