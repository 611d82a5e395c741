"""search index: a 4-gram GIN index of the names on PostgreSQL

Revision ID: 0010_pg_name_fourgrams
Revises: 0009_pg_name_trigrams
Create Date: 2026-11-29 09:00:00

Name terms of four or more characters are looked up by their 4-grams (``ix_enterprises_search_name4``,
see ``search_index.PG_GRAM_EXPRESSIONS``) instead of their trigrams: a four-character term — most words
of a company name are four characters long (文化传媒, 通信技术) — is then exactly one gram, and its rows
are counted from the index alone. By trigrams a common one had 10,000 and more candidates, which had
to be read to prove the count. Only where the search index exists (a database created at 0002 by this
version has it already). Building it takes about 30 seconds per 1,000,000 enterprises, during which
``enterprises`` is locked (only an administrator upgrades a shared database). SQLite: nothing to do (its
FTS5 trigram table answers phrases exactly).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from gxq_desktop.db import search_index

revision: str = "0010_pg_name_fourgrams"
down_revision: str | None = "0009_pg_name_trigrams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_enterprises_search_name4"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        search_index.pg_add_gram_index(conn, "name4")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(text(f"DROP INDEX IF EXISTS {_INDEX}"))
        op.execute(text(f"DROP FUNCTION IF EXISTS {search_index.PG_GRAMS4}(text)"))
