"""Schema versions: upgrade from empty, refuse a newer database, back up SQLite before upgrading."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, text

from gxq_desktop.db import migrate
from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import Base
from gxq_desktop.services.errors import SchemaTooNew


def test_upgrade_from_empty_creates_every_model_table(empty_db: Database) -> None:
    assert migrate.schema_status(empty_db).state is migrate.SchemaState.EMPTY
    migrate.upgrade(empty_db)
    status = migrate.schema_status(empty_db)
    assert status.state is migrate.SchemaState.CURRENT
    assert status.database_revision == migrate.head_revision()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_a_no_op(db: Database) -> None:
    assert migrate.upgrade(db) is None
    assert migrate.schema_status(db).state is migrate.SchemaState.CURRENT


def test_migrated_schema_matches_the_models(db: Database) -> None:
    """Autogenerate finds nothing to do: the migrations describe exactly the ORM models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_object": migrate.include_object}
        )
        diff = compare_metadata(ctx, Base.metadata)
    # Index objects created by later migrations for search (FTS tables, trigram indexes) are not in the
    # ORM metadata; only report differences about mapped tables and columns.
    relevant = [
        d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column", "add_fk")
    ]
    assert relevant == []


def test_newer_database_is_refused(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    status = migrate.schema_status(db)
    assert status.state is migrate.SchemaState.NEWER
    with pytest.raises(SchemaTooNew) as err:
        migrate.upgrade(db)
    assert "比本程序新" in err.value.message
    assert "9999_from_the_future" in err.value.message


def test_foreign_database_is_recognised(empty_db: Database) -> None:
    with empty_db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))
    assert migrate.schema_status(empty_db).state is migrate.SchemaState.FOREIGN


def test_sqlite_file_is_backed_up_before_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "office.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO departments (code, name, is_active) VALUES ('SJJ', '市场监督管理局', 1)")
        )
        # Pretend the file was written by an older release: point it at a revision before head.
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_baseline'"))
    head = migrate.head_revision()
    if head == "0001_baseline":
        pytest.skip("only one revision so far: nothing older to upgrade from")
    backup_dir = tmp_path / "backups"
    backup = migrate.upgrade(db, backup_dir=backup_dir)
    assert backup is not None and backup.parent == backup_dir
    con = sqlite3.connect(backup)
    try:
        assert con.execute("SELECT name FROM departments").fetchall() == [("市场监督管理局",)]
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001_baseline",)
    finally:
        con.close()


def test_backup_helper_copies_a_consistent_file(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO departments (code, name, is_active) VALUES ('X', '税务局', 1)"))
    target = migrate.backup_sqlite(db, tmp_path / "b")
    assert target is not None
    con = sqlite3.connect(target)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM departments").fetchone() == (1,)
    finally:
        con.close()


def test_sqlite_connection_settings(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_0004_rebuilds_an_older_search_index_without_column_sizes(tmp_path: Path) -> None:
    from gxq_desktop.db import search_index
    from gxq_desktop.services.context import command_line_actor
    from gxq_desktop.services.search import SearchQuery, SearchService

    db = Database(f"sqlite:///{tmp_path / 'office.sqlite3'}")
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO enterprises (uscc, name, subject_category, status, is_small_micro, version, "
                "created_at, updated_at) VALUES ('91610131MA6TXXXX1A', '西安秦岭数据有限公司', '企业', "
                "'存续', 0, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        # Pretend an older release built the index: the same tables, with per-row column sizes.
        for table in search_index.FTS_TABLES:
            sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
            ).scalar_one()
            conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text(sql.replace(", columnsize=0", "")))
        for stmt in search_index.sqlite_populate():
            conn.execute(text(stmt))
        assert not search_index.sqlite_has_current_layout(conn)
        conn.execute(text("UPDATE alembic_version SET version_num = '0003_search_speed'"))
    migrate.upgrade(db, backup_dir=tmp_path / "backups")
    with db.engine.connect() as conn:
        assert search_index.sqlite_has_current_layout(conn)
        docsize = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'enterprise_fts_%_docsize'"
        assert conn.execute(text(docsize)).scalar() == 0  # the column-size tables are gone
    search = SearchService(db, command_line_actor())
    for query in ("秦岭", "秦岭数据", "MA6TXXXX"):  # 2 characters, 4 characters, part of the code
        assert [e.name for e in search.search(SearchQuery(query)).rows] == ["西安秦岭数据有限公司"], query


def test_0005_adds_filter_keys_to_an_existing_search_index(tmp_path: Path) -> None:
    from gxq_desktop.db import search_index
    from gxq_desktop.services.context import command_line_actor
    from gxq_desktop.services.search import SearchFilters, SearchQuery, SearchService

    db = Database(f"sqlite:///{tmp_path / 'office.sqlite3'}")
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        # Pretend a release before 0005 built the index: no filter keys, no sort index.
        for stmt in search_index.filter_keys_drop():
            conn.execute(text(stmt))
        assert not search_index.has_filter_keys(conn)
        conn.execute(
            text(
                "INSERT INTO enterprises (id, name, subject_category, status, is_small_micro, version, "
                "created_at, updated_at) VALUES (7, '西安秦岭数据有限公司', '企业', '吊销', 1, 1, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00'), (8, '西安终南数据有限公司', '企业', '存续', 1, 1, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO abnormal_listings (enterprise_id, list_reason, listed_on, version, created_at, "
                "updated_at) VALUES (7, '未按规定报送年度报告', '2025-01-01', 1, '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00')"
            )
        )
        conn.execute(text("UPDATE alembic_version SET version_num = '0004_fts_no_sizes'"))
    migrate.upgrade(db, backup_dir=tmp_path / "backups")
    with db.engine.connect() as conn:
        assert search_index.has_filter_keys(conn)
        rows = conn.execute(text(f"SELECT id, fkey FROM {search_index.FILTER_KEYS}")).all()
    keys: dict[int, int] = {int(i): int(k) for i, k in rows}
    assert set(keys) == {7, 8} and keys[7] & 1 and not keys[8] & 1  # 经营异常 of the one listed
    search = SearchService(db, command_line_actor())
    page = search.search(SearchQuery("", SearchFilters(small_micro=True, abnormal=True)))
    assert [e.name for e in page.rows] == ["西安秦岭数据有限公司"]
    page = search.search(SearchQuery("", SearchFilters(small_micro=True, statuses=("存续",))))
    assert [e.name for e in page.rows] == ["西安终南数据有限公司"]


@pytest.mark.db
def test_0006_gives_postgresql_filter_keys_and_its_downgrade_takes_them_away(db: Database) -> None:
    from alembic import command

    from gxq_desktop.db import search_index
    from gxq_desktop.db.models import AbnormalListing
    from gxq_desktop.services.context import command_line_actor
    from gxq_desktop.services.search import SearchFilters, SearchQuery, SearchService

    from .search_builders import add_department, add_enterprises, enterprise_row
    from .test_search_filter_keys import check_keys

    ids = add_enterprises(
        db, [enterprise_row("西安秦岭数据有限公司", status="吊销"), enterprise_row("西安终南数据有限公司")]
    )
    row = {"list_reason": "未按规定报送年度报告", "listed_on": dt.date(2025, 1, 1), "enterprise_id": ids[0]}
    with db.transaction() as s:
        s.execute(insert(AbnormalListing), [{**row, "department_id": add_department(db)}])
    triggers = (
        "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%fkey%' OR tgname LIKE 'enterprise_filter%'"
    )
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005_filter_keys")
        # PostgreSQL: the keys are gone with their triggers and functions; SQLite keeps 0005's.
        assert search_index.has_filter_keys(conn) == db.is_sqlite
        if not db.is_sqlite:
            assert conn.execute(text(triggers)).scalar_one() == 0
            functions = "SELECT count(*) FROM pg_proc WHERE proname LIKE '%fkey%' OR proname LIKE 'enterprise_filter%'"
            assert conn.execute(text(functions)).scalar_one() == 0
    assert migrate.schema_status(db).state is migrate.SchemaState.OLDER
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        assert search_index.has_filter_keys(conn)
        if not db.is_sqlite:
            assert conn.execute(text(triggers)).scalar_one() == 18  # 3 on enterprises, 3 on each record table
    check_keys(db)
    search = SearchService(db, command_line_actor())
    page = search.search(SearchQuery("", SearchFilters(statuses=("吊销",), abnormal=True)))
    assert [e.id for e in page.rows] == [ids[0]]


def test_0007_swaps_the_postgresql_gram_functions_and_its_downgrade_restores_them(db: Database) -> None:
    """0007 replaces the SQL gram functions by PL/pgSQL ones with the same keys; downgrade puts the SQL
    ones back. The index built before still answers searches afterwards (no rebuild needed)."""
    from alembic import command

    from gxq_desktop.services.context import command_line_actor
    from gxq_desktop.services.search import SearchQuery, SearchService

    from .search_builders import add_enterprises, enterprise_row

    if db.is_sqlite:
        pytest.skip("PostgreSQL only (gram functions of the GIN indexes)")
    language = "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = :f"
    sample = "西安秦岭科技有限公司abc"
    grams = "SELECT array(SELECT DISTINCT g FROM unnest({}(:t)) g ORDER BY 1)"
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        new = [
            conn.execute(text(grams.format(f)), {"t": sample}).scalar_one()
            for f in ("gxq_grams12", "gxq_grams3")
        ]
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006_pg_filter_keys")
        for f in ("gxq_grams12", "gxq_grams3"):
            assert conn.execute(text(language), {"f": f}).scalar_one() == "sql"
        old = [
            conn.execute(text(grams.format(f)), {"t": sample}).scalar_one()
            for f in ("gxq_grams12", "gxq_grams3")
        ]
    assert old == new
    ids = add_enterprises(db, [enterprise_row("西安秦岭科技有限公司")])  # indexed by the old functions
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        for f in ("gxq_grams12", "gxq_grams3"):
            assert conn.execute(text(language), {"f": f}).scalar_one() == "plpgsql"
    search = SearchService(db, command_line_actor())
    for q in ("秦岭", "岭", "秦岭科技"):
        assert [e.id for e in search.search(SearchQuery(q)).rows] == ids


def test_0008_builds_the_gram_indexes_in_the_c_collation_and_its_downgrade_undoes_it(db: Database) -> None:
    from alembic import command

    from gxq_desktop.services.context import command_line_actor
    from gxq_desktop.services.search import SearchQuery, SearchService

    from .search_builders import add_enterprises, enterprise_row

    if db.is_sqlite:
        pytest.skip("PostgreSQL only (GIN expression indexes)")
    collations = (
        "SELECT DISTINCT l.collname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_collation l ON l.oid = i.indcollation[0] WHERE c.relname LIKE 'ix\\_enterprises\\_search\\_%' "
        "AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'gin')"
    )
    ids = add_enterprises(
        db, [enterprise_row("西安秦岭科技有限公司"), enterprise_row("西安终南商贸有限公司")]
    )
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        assert conn.execute(text(collations)).scalars().all() == ["C"]
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007_pg_fast_grams")
        assert conn.execute(text(collations)).scalars().all() == ["default"]
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        assert conn.execute(text(collations)).scalars().all() == ["C"]
    search = SearchService(db, command_line_actor())
    assert [e.id for e in search.search(SearchQuery("秦岭")).rows] == ids[:1]
    assert [e.id for e in search.search(SearchQuery("终南商贸")).rows] == ids[1:]


@pytest.mark.parametrize(
    ("index", "before", "terms"),
    [
        ("ix_enterprises_search_name3", "0008_pg_gram_collation", ("秦岭科", "终南商贸")),
        ("ix_enterprises_search_name4", "0009_pg_name_trigrams", ("秦岭科技", "终南商贸")),
    ],
    ids=["0009", "0010"],
)
def test_0009_and_0010_add_the_postgresql_name_gram_indexes_and_their_downgrades_drop_them(
    db: Database, index: str, before: str, terms: tuple[str, str]
) -> None:
    """0009 adds the names' trigram index, 0010 their 4-gram index (the search reads name terms of
    three and of four or more characters through them); a downgrade drops it again, and upgrading
    once more restores it."""
    from alembic import command

    from gxq_desktop.services.context import command_line_actor
    from gxq_desktop.services.search import SearchQuery, SearchService

    from .search_builders import add_enterprises, enterprise_row

    if db.is_sqlite:
        pytest.skip("PostgreSQL only (GIN expression indexes)")
    exists = f"SELECT to_regclass('{index}') IS NOT NULL"
    ids = add_enterprises(
        db, [enterprise_row("西安秦岭科技有限公司"), enterprise_row("西安终南商贸有限公司")]
    )
    search = SearchService(db, command_line_actor())
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        assert conn.execute(text(exists)).scalar_one()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, before)
        assert not conn.execute(text(exists)).scalar_one()
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        assert conn.execute(text(exists)).scalar_one()
    assert [e.id for e in search.search(SearchQuery(terms[0])).rows] == ids[:1]
    assert [e.id for e in search.search(SearchQuery(terms[1])).rows] == ids[1:]
