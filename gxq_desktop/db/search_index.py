"""The enterprise search index, for SQLite and PostgreSQL (created by migration 0002_search_index).

The index is kept in step with ``enterprises`` by the database itself, so that every writer — the
ORM, Core bulk inserts of the demo data and the import, an import's undo, a clerk's edit, a delete, an
administrator's SQL — keeps it correct without knowing about it.

SQLite: contentless FTS5 tables, filled by triggers::

    enterprise_fts_tri     trigram, detail=full   name, former_names, legal_rep, name_initials
    enterprise_fts_chr     one token per character name, former_names, legal_rep  (1–2 character queries:
                           FTS5's trigram tokenizer finds nothing for them)
    enterprise_fts_addr    trigram, detail=none   address
    enterprise_fts_scope   trigram, detail=none   business_scope
    enterprise_fts_pinyin  trigram, detail=none   name_pinyin
    enterprise_fts_code    trigram, detail=none   uscc, reg_no, org_code

The one-character table needs the text split into characters inside a trigger; SQLite triggers cannot
use recursive CTEs, so a small ``gxq_numbers`` table (1…1000) drives ``group_concat(substr(…))``.
The tables only *propose* candidates: the search service re-checks every candidate against the row
itself, so an index that holds a stale extra entry (e.g. after ``INSERT OR REPLACE``, which does not
fire delete triggers) can never show a wrong row. Writers must not use ``INSERT OR REPLACE`` on
``enterprises`` all the same (use ``ON CONFLICT DO UPDATE``): it would leave such stale entries.

PostgreSQL: GIN indexes on immutable SQL functions of the columns — character unigrams+bigrams of
name, former names and legal representative (for 1–2 character queries, where ``pg_trgm`` is as blind
as FTS5's trigrams); trigrams and 4-grams of the names (for terms of three, and of four or more
characters: migrations 0009 and 0010), and trigrams of address, scope, pinyin and codes. Expression
indexes are maintained by PostgreSQL itself: no trigger, no extension, no superuser.

Both also get *filter keys* for searches with filters only (see "filter keys" below): a thin side
table with each enterprise's filter values packed into one integer, kept exact by triggers on
``enterprises`` and the record tables the flags come from.

PostgreSQL also gets b-tree indexes for keyset paging in name and date order, for the last four
characters of the USCC and (value, id) indexes of the filter columns; both get partial indexes for the
flag filters (records still in force).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

INDEXED_CHARS = 1000  # text beyond this many characters is not split into single characters

FTS_TABLES = (
    "enterprise_fts_tri",
    "enterprise_fts_chr",
    "enterprise_fts_addr",
    "enterprise_fts_scope",
    "enterprise_fts_pinyin",
    "enterprise_fts_code",
)


def chars_sql(col: str) -> str:
    """SQL giving ``col`` with a space between characters ("秦岭" → "秦 岭"), NULL for NULL."""
    return f"(SELECT group_concat(substr({col}, i, 1), ' ') FROM gxq_numbers WHERE i <= length({col}))"


def _codes(p: str) -> str:
    return f"coalesce({p}.uscc, '') || ' ' || coalesce({p}.reg_no, '') || ' ' || coalesce({p}.org_code, '')"


# No per-row column sizes (FTS5's %_docsize table): they serve only bm25 ranking, which the search does
# not use (it ranks by its own rules), and writing them cost about 8 % of a large import
# (migration 0004_fts_no_sizes rebuilds older indexes this way).
_NO_SIZES = "columnsize=0"

# table → (tokenizer options, [(fts column, SQL expression over row alias "{p}")])
_SQLITE_TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "enterprise_fts_tri": (
        f"tokenize='trigram', detail='full', {_NO_SIZES}",
        [
            ("name", "{p}.name"),
            ("former_names", "{p}.former_names"),
            ("legal_rep", "{p}.legal_rep"),
            ("name_initials", "{p}.name_initials"),
        ],
    ),
    "enterprise_fts_chr": (
        f"tokenize='unicode61', detail='full', {_NO_SIZES}",
        [
            ("name", chars_sql("{p}.name")),
            ("former_names", chars_sql("{p}.former_names")),
            ("legal_rep", chars_sql("{p}.legal_rep")),
        ],
    ),
    "enterprise_fts_addr": (f"tokenize='trigram', detail='none', {_NO_SIZES}", [("address", "{p}.address")]),
    "enterprise_fts_scope": (
        f"tokenize='trigram', detail='none', {_NO_SIZES}",
        [("business_scope", "{p}.business_scope")],
    ),
    "enterprise_fts_pinyin": (
        f"tokenize='trigram', detail='none', {_NO_SIZES}",
        [("name_pinyin", "{p}.name_pinyin")],
    ),
    "enterprise_fts_code": (f"tokenize='trigram', detail='none', {_NO_SIZES}", [("codes", _codes("{p}"))]),
}

# Source columns whose change must re-index each table (for the UPDATE triggers).
_SQLITE_SOURCES: dict[str, tuple[str, ...]] = {
    "enterprise_fts_tri": ("name", "former_names", "legal_rep", "name_initials"),
    "enterprise_fts_chr": ("name", "former_names", "legal_rep"),
    "enterprise_fts_addr": ("address",),
    "enterprise_fts_scope": ("business_scope",),
    "enterprise_fts_pinyin": ("name_pinyin",),
    "enterprise_fts_code": ("uscc", "reg_no", "org_code"),
}

# Indexes both engines get (the flag filters and the last four characters of the USCC).
_COMMON_INDEXES = (
    "CREATE INDEX ix_abnormal_listings_in_force ON abnormal_listings (enterprise_id) WHERE removed_on IS NULL",
    "CREATE INDEX ix_serious_violations_in_force ON serious_violations (enterprise_id) WHERE removed_on IS NULL",
    "CREATE INDEX ix_list_entries_in_force ON list_entries (kind, enterprise_id) WHERE removed_on IS NULL",
    "CREATE INDEX ix_enterprises_small_micro ON enterprises (id) WHERE is_small_micro",
    "CREATE INDEX ix_enterprises_risk_class ON enterprises (risk_class)",
    "CREATE INDEX ix_enterprises_subject_category ON enterprises (subject_category)",
    "CREATE INDEX ix_licenses_in_force ON licenses (enterprise_id, valid_until) WHERE status = '有效'",
)
_COMMON_INDEX_NAMES = (
    "ix_abnormal_listings_in_force",
    "ix_serious_violations_in_force",
    "ix_list_entries_in_force",
    "ix_enterprises_small_micro",
    "ix_enterprises_risk_class",
    "ix_enterprises_subject_category",
    "ix_licenses_in_force",
)


# SQLite only (migration 0003_search_speed): a search with several filters checks each candidate id
# against the others through an index; a date range needs one keyed by id (the registration-date
# index is keyed by date), else each check reads the wide row.
SQLITE_INDEXES: dict[str, str] = {
    "ix_enterprises_search_id_established": "(id, established_on)",
}


def sqlite_index_ddl() -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {n} ON enterprises {cols}" for n, cols in SQLITE_INDEXES.items()]


# --------------------------------------------------------------------------- filter keys

# Migrations 0005_filter_keys (SQLite) and 0006_pg_filter_keys (PostgreSQL): a search with filters only
# and several of them must find the few enterprises two big sets share (个体工商户 and 小微企业, 经营异常
# and 持有许可 …). Checking one set's ids one by one against the others costs a seek per id — a quarter
# of a second for 400,000 ids. So each enterprise's filter values are packed into one integer key, kept
# in a thin side table by triggers:
#
#     enterprise_filter_keys    id (= enterprises.id), fkey, established_on, license_until
#                               index (fkey, established_on, license_until) (PostgreSQL: INCLUDE (id))
#     enterprise_filter_groups  every fkey that ever occurred (a few thousand; never shrinks)
#
# A search lists the groups whose key satisfies the filters (a scan of a few thousand integers) and
# reads exactly the matching enterprises from the index, one range per group (with the registration
# date as the range and the licence date checked on the index entry): the work is proportional to the
# matches, not to the sets. The triggers sit on ``enterprises`` and on every record table a flag comes
# from, so every writer (the ORM, the import's multi-row inserts, its undo, deletes, an administrator's
# SQL) keeps the keys exact; they are exact, not candidates, because counts rest on them.
# Codes are stored: never reorder these tuples, only append (a code's field has room for more values).
#
# Both engines run the same statements (the ``pg`` arguments below mark the few differences: SQLite's
# INSERT OR REPLACE/IGNORE is PostgreSQL's ON CONFLICT, a boolean is no integer there). PostgreSQL's
# triggers are PL/pgSQL functions with the SQLite triggers' statements; as several transactions may
# write at once there, a trigger that computes flags from the record tables first locks the enterprise's
# key row, so that it reads the records only after any other writer of that key has committed.

FILTER_KEYS = "enterprise_filter_keys"
FILTER_GROUPS = "enterprise_filter_groups"
FILTER_KEYS_INDEX = "ix_enterprise_filter_keys"
# The matches of such a search (up to 10,000) are shown sorted by name or date: this narrow index keyed
# by id gives both without reading the wide rows.
SORT_INDEX = "ix_enterprises_search_id_name"
FILTER_KEYS_INSERT_TRIGGER = f"{FILTER_KEYS}_ai"  # bulk loads set it aside and use filter_keys_fill()
NO_END = "9999-12-31"  # license_until of a licence without an end date
# PostgreSQL: a bulk load does not drop the insert trigger — DROP TRIGGER would lock every search out of
# ``enterprises`` until the load commits — but sets this setting for its own transaction (see
# :func:`pg_defer_key_trigger`); the trigger's WHEN skips the rows while it is 'on'.
PG_LOAD_SETTING = "gxq.filter_keys_by_load"

# key field → (column, shift, width in bits, values with codes 1, 2, …). NULL is 0; a value not listed
# gets the field's highest code (it matches no filter value that is listed).
KEY_FIELDS: dict[str, tuple[str, int, int, tuple[str, ...]]] = {
    "category": ("subject_category", 8, 3, ("企业", "个体工商户", "农民专业合作社", "外国企业常驻代表机构")),
    "status": ("status", 11, 3, ("存续", "吊销", "注销", "迁出", "撤销")),
    "risk": ("risk_class", 14, 3, ("A", "B", "C", "D")),
    "section": ("industry_section", 17, 5, tuple("ABCDEFGHIJKLMNOPQRST")),
}
SMALL_MICRO_BIT = 128

# Flags from record tables: flag → (bit, table, condition over x: the record is in force).
FLAG_RECORDS: dict[str, tuple[int, str, str]] = {
    "abnormal": (1, "abnormal_listings", "x.removed_on IS NULL"),
    "serious_violation": (2, "serious_violations", "x.removed_on IS NULL"),
    "blacklist": (4, "list_entries", "x.kind = 'black' AND x.removed_on IS NULL"),
    "redlist": (8, "list_entries", "x.kind = 'red' AND x.removed_on IS NULL"),
    "judgment_debtor": (16, "list_entries", "x.kind = 'judgment_debtor' AND x.removed_on IS NULL"),
    "party_org": (32, "party_organizations", "1 = 1"),
}
# A licence with status 有效 (bit 64; whether it is still valid today is license_until >= today).
LICENSE_BIT = 64
LICENSE_COND = "x.status = '有效'"

# Record table → the columns whose change can change its flags (for the UPDATE triggers).
_RECORD_SOURCES: dict[str, tuple[str, ...]] = {
    "abnormal_listings": ("enterprise_id", "removed_on"),
    "serious_violations": ("enterprise_id", "removed_on"),
    "list_entries": ("enterprise_id", "kind", "removed_on"),
    "party_organizations": ("enterprise_id",),
    "licenses": ("enterprise_id", "status", "valid_until"),
}
_KEY_SOURCES = ("id", *(col for col, _, _, _ in KEY_FIELDS.values()), "is_small_micro", "established_on")
_KEY_COLUMNS = "(id, fkey, established_on, license_until)"


def key_code(field: str, value: str) -> int | None:
    """The code of a filter value in its key field (None: not a listed value)."""
    values = KEY_FIELDS[field][3]
    return values.index(value) + 1 if value in values else None


def _bit(cond: str, bit: int, pg: bool) -> str:
    """SQL: ``bit`` where ``cond`` holds, else 0 (SQLite's truth values are the integers 1 and 0)."""
    return f"(CASE WHEN {cond} THEN {bit} ELSE 0 END)" if pg else f"({cond} * {bit})"


def _own_key(p: str, pg: bool = False) -> str:
    """SQL for the part of the key from the enterprise's own columns (row alias ``p``)."""
    small_micro = f"{p}.is_small_micro" if pg else f"{p}.is_small_micro = 1"  # (PostgreSQL: a boolean)
    parts = [f"(CASE WHEN {small_micro} THEN {SMALL_MICRO_BIT} ELSE 0 END)"]
    for col, shift, width, values in KEY_FIELDS.values():
        whens = " ".join(f"WHEN '{v}' THEN {i + 1}" for i, v in enumerate(values))
        other = (1 << width) - 1
        parts.append(
            f"((CASE WHEN {p}.{col} IS NULL THEN 0 ELSE CASE {p}.{col} {whens} ELSE {other} END END) << {shift})"
        )
    return " | ".join(parts)


def _flag_bits(eid: str, tables: tuple[str, ...] | None = None, pg: bool = False) -> str:
    """SQL for the record bits of enterprise ``eid`` (only those from ``tables``, else all)."""
    parts = [
        _bit(f"EXISTS (SELECT 1 FROM {table} x WHERE x.enterprise_id = {eid} AND {cond})", bit, pg)
        for bit, table, cond in FLAG_RECORDS.values()
        if tables is None or table in tables
    ]
    if tables is None or "licenses" in tables:
        held = f"EXISTS (SELECT 1 FROM licenses x WHERE x.enterprise_id = {eid} AND {LICENSE_COND})"
        parts.append(_bit(held, LICENSE_BIT, pg))
    return " | ".join(parts)


def _table_mask(table: str) -> int:
    bits = [bit for bit, t, _ in FLAG_RECORDS.values() if t == table]
    return sum(bits) + (LICENSE_BIT if table == "licenses" else 0)


def _license_until(eid: str) -> str:
    return (
        f"(SELECT max(coalesce(x.valid_until, '{NO_END}')) FROM licenses x "
        f"WHERE x.enterprise_id = {eid} AND {LICENSE_COND})"
    )


def _key_values(p: str, *, no_records: bool = False, pg: bool = False) -> str:
    """(id, fkey, established_on, license_until) of enterprise row ``p``; ``no_records``: no record
    refers to it (flag bits 0, no licence), so the record tables are not looked at."""
    flags, until = ("0", "NULL") if no_records else (_flag_bits(f"{p}.id", pg=pg), _license_until(f"{p}.id"))
    return f"{p}.id, {_own_key(p, pg)} | {flags}, {p}.established_on, {until}"


def _put_keys(rows: str, pg: bool) -> str:
    """Store the key rows ``rows`` (``VALUES (…)`` or a SELECT), replacing an enterprise's old one."""
    if not pg:
        return f"INSERT OR REPLACE INTO {FILTER_KEYS} {_KEY_COLUMNS} {rows}"
    return (
        f"INSERT INTO {FILTER_KEYS} {_KEY_COLUMNS} {rows} ON CONFLICT (id) DO UPDATE SET fkey = excluded.fkey, "
        "established_on = excluded.established_on, license_until = excluded.license_until"
    )


def _add_groups(fkeys: str, pg: bool) -> str:
    """Add the keys that the SELECT ``fkeys`` gives to the groups (those not there yet)."""
    if not pg:
        return f"INSERT OR IGNORE INTO {FILTER_GROUPS} (fkey) {fkeys}"
    return f"INSERT INTO {FILTER_GROUPS} (fkey) {fkeys} ON CONFLICT DO NOTHING"


def _key_row(p: str, pg: bool = False) -> list[str]:
    """The key row of enterprise row ``p`` (and its group)."""
    return [
        _put_keys(f"VALUES ({_key_values(p, pg=pg)})", pg),
        _add_groups(f"SELECT fkey FROM {FILTER_KEYS} WHERE id = {p}.id", pg),
    ]


def _refresh(table: str, eid: str, pg: bool = False) -> list[str]:
    """Recompute the bits of record table ``table`` for enterprise ``eid``."""
    mask = _table_mask(table)
    until = f", license_until = {_license_until(eid)}" if table == "licenses" else ""
    return [
        f"UPDATE {FILTER_KEYS} SET fkey = (fkey & ~{mask}) | {_flag_bits(eid, (table,), pg)}{until} WHERE id = {eid}",
        _add_groups(f"SELECT fkey FROM {FILTER_KEYS} WHERE id = {eid}", pg),
    ]


def _pg_lock(*eids: str) -> str:
    """PL/pgSQL: wait for any other writer of these keys (the statements after it read the records
    with a new snapshot, which holds what that writer committed)."""
    return f"PERFORM 1 FROM {FILTER_KEYS} WHERE id IN ({', '.join(eids)}) ORDER BY id FOR UPDATE"


# (name, table, event, condition or None, statements): each trigger of the keys, for both engines.
_Trigger = tuple[str, str, str, str | None, list[str]]


def _triggers(pg: bool) -> list[_Trigger]:
    def changed(cols: tuple[str, ...]) -> str:
        op = "IS DISTINCT FROM" if pg else "IS NOT"
        return " OR ".join(f"old.{c} {op} new.{c}" for c in cols)

    by_load = f"current_setting('{PG_LOAD_SETTING}', true) IS DISTINCT FROM 'on'" if pg else None
    if pg:  # (an id that changes leaves its old key row behind; else the row is updated in place)
        update = [
            _pg_lock("old.id", "new.id"),
            f"DELETE FROM {FILTER_KEYS} WHERE id = old.id AND old.id <> new.id",
        ]
    else:
        update = [f"DELETE FROM {FILTER_KEYS} WHERE id = old.id"]
    out: list[_Trigger] = [
        (FILTER_KEYS_INSERT_TRIGGER, "enterprises", "INSERT", by_load, _key_row("new", pg)),
        (
            f"{FILTER_KEYS}_au",
            "enterprises",
            f"UPDATE OF {', '.join(_KEY_SOURCES)}",
            changed(_KEY_SOURCES),
            [*update, *_key_row("new", pg)],
        ),
        (
            f"{FILTER_KEYS}_ad",
            "enterprises",
            "DELETE",
            None,
            [f"DELETE FROM {FILTER_KEYS} WHERE id = old.id"],
        ),
    ]
    for table, sources in _RECORD_SOURCES.items():
        old, new = "old.enterprise_id", "new.enterprise_id"
        lock_new, lock_old, lock_both = ([_pg_lock(*e)] if pg else [] for e in ((new,), (old,), (old, new)))
        out += [
            (f"{table}_fkey_ai", table, "INSERT", None, [*lock_new, *_refresh(table, new, pg)]),
            (f"{table}_fkey_ad", table, "DELETE", None, [*lock_old, *_refresh(table, old, pg)]),
            (
                f"{table}_fkey_au",
                table,
                f"UPDATE OF {', '.join(sources)}",
                changed(sources),
                [*lock_both, *_refresh(table, old, pg), *_refresh(table, new, pg)],
            ),
        ]
    return out


def filter_keys_ddl(pg: bool = False) -> list[str]:
    """Tables, triggers and index of the filter keys (empty: fill them with :func:`filter_keys_populate`)."""
    stmts = [
        f"CREATE TABLE {FILTER_KEYS} (id {'integer' if pg else 'INTEGER'} PRIMARY KEY, "
        f"fkey {'bigint' if pg else 'INTEGER'} NOT NULL, established_on DATE, license_until DATE)",
        f"CREATE TABLE {FILTER_GROUPS} (fkey {'bigint' if pg else 'INTEGER'} PRIMARY KEY)",
    ]
    for name, table, event, when, body in _triggers(pg):
        statements = " ".join(f"{st};" for st in body)
        if pg:
            stmts += [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {statements} RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                f"{f'WHEN ({when}) ' if when else ''}EXECUTE FUNCTION {name}()",
            ]
        else:
            stmts.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} {f'WHEN {when} ' if when else ''}"
                f"BEGIN {statements} END"
            )
    return stmts


def filter_keys_fill(where: str, *, no_records: bool = False, pg: bool = False) -> list[str]:
    """The key rows (and groups) of the enterprises ``e`` matching ``where``: what the insert trigger
    adds row by row, as two set-based statements. A bulk load sets that trigger aside and runs these for
    the rows it inserted (per row, the trigger more than doubled the cost of an enterprise insert).

    ``no_records``: no record refers to these enterprises (they were inserted in this transaction by a
    load that adds no records), so their flag bits are 0 and they hold no licence: the record tables
    are not looked at."""
    return [
        _put_keys(
            f"SELECT {_key_values('e', no_records=no_records, pg=pg)} FROM enterprises e WHERE {where}", pg
        ),
        _add_groups(
            f"SELECT DISTINCT k.fkey FROM {FILTER_KEYS} k JOIN enterprises e ON e.id = k.id WHERE {where}", pg
        ),
    ]


def _key_indexes(pg: bool) -> list[str]:
    # PostgreSQL's index must hold the id itself to answer without the table (SQLite's holds the rowid).
    return [
        f"CREATE INDEX {FILTER_KEYS_INDEX} ON {FILTER_KEYS} (fkey, established_on, license_until)"
        + (" INCLUDE (id)" if pg else ""),
        f"CREATE INDEX {SORT_INDEX} ON enterprises (id, name, established_on)",
    ]


def filter_keys_populate() -> list[str]:
    """SQLite: fill the (empty) filter keys from ``enterprises`` and the record tables; index them."""
    stmts = [
        f"INSERT INTO {FILTER_KEYS} (id, fkey, established_on) SELECT e.id, {_own_key('e')}, e.established_on "
        "FROM enterprises e"
    ]
    # Set-based: each flag's holders from its (partial) index, rather than a few seeks per enterprise.
    for bit, table, cond in FLAG_RECORDS.values():
        stmts.append(
            f"UPDATE {FILTER_KEYS} SET fkey = fkey | {bit} "
            f"WHERE id IN (SELECT x.enterprise_id FROM {table} x WHERE {cond})"
        )
    stmts += [
        f"UPDATE {FILTER_KEYS} SET fkey = fkey | {LICENSE_BIT}, license_until = u.until FROM "
        f"(SELECT x.enterprise_id AS eid, max(coalesce(x.valid_until, '{NO_END}')) AS until FROM licenses x "
        f"WHERE {LICENSE_COND} GROUP BY x.enterprise_id) AS u WHERE {FILTER_KEYS}.id = u.eid",
        f"INSERT OR IGNORE INTO {FILTER_GROUPS} (fkey) SELECT DISTINCT fkey FROM {FILTER_KEYS}",
        *_key_indexes(pg=False),
    ]
    return stmts


def pg_filter_keys_populate() -> list[str]:
    """PostgreSQL: the same keys in one INSERT (an UPDATE per flag, as on SQLite, would leave a dead row
    version behind for every holder), the records' bits OR-ed per enterprise."""
    held = [
        f"SELECT x.enterprise_id AS eid, {bit} AS bit, CAST(NULL AS date) AS until FROM {table} x WHERE {cond}"
        for bit, table, cond in FLAG_RECORDS.values()
    ]
    held.append(
        f"SELECT x.enterprise_id, {LICENSE_BIT}, coalesce(x.valid_until, '{NO_END}') FROM licenses x "
        f"WHERE {LICENSE_COND}"
    )
    return [
        f"INSERT INTO {FILTER_KEYS} {_KEY_COLUMNS} "
        f"SELECT e.id, {_own_key('e', pg=True)} | coalesce(r.bits, 0), e.established_on, r.until "
        f"FROM enterprises e LEFT JOIN (SELECT eid, bit_or(bit) AS bits, max(until) AS until "
        f"FROM ({' UNION ALL '.join(held)}) AS h GROUP BY eid) AS r ON r.eid = e.id ORDER BY e.id",
        _add_groups(f"SELECT DISTINCT fkey FROM {FILTER_KEYS}", pg=True),
        *_key_indexes(pg=True),
        f"ANALYZE {FILTER_KEYS}",
        f"ANALYZE {FILTER_GROUPS}",
    ]


def filter_keys_drop(pg: bool = False) -> list[str]:
    stmts = []
    for name, table, *_ in _triggers(pg):
        stmts.append(f"DROP TRIGGER IF EXISTS {name} ON {table}" if pg else f"DROP TRIGGER IF EXISTS {name}")
        stmts += [f"DROP FUNCTION IF EXISTS {name}()"] if pg else []
    stmts += [f"DROP TABLE IF EXISTS {FILTER_KEYS}", f"DROP TABLE IF EXISTS {FILTER_GROUPS}"]
    stmts += [f"DROP INDEX IF EXISTS {SORT_INDEX}"]
    return stmts


def create_filter_keys(conn: Connection) -> None:
    """Create and fill the filter keys (again: whatever was there is dropped first)."""
    pg = conn.dialect.name != "sqlite"
    if pg:  # (index builds sort in memory)
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    populate = pg_filter_keys_populate() if pg else filter_keys_populate()
    for stmt in (*filter_keys_drop(pg), *filter_keys_ddl(pg), *populate):
        conn.execute(text(stmt))


def has_filter_keys(conn: Connection) -> bool:
    """Whether the filter keys, their index and the sort index exist (migrations 0005 and 0006)."""
    names = (FILTER_KEYS, FILTER_KEYS_INDEX, FILTER_GROUPS, SORT_INDEX)
    listed = ", ".join(f"'{n}'" for n in names)
    if conn.dialect.name == "sqlite":
        sql = f"SELECT count(*) FROM sqlite_master WHERE name IN ({listed})"
    else:
        sql = f"SELECT count(*) FROM unnest(ARRAY[{listed}]) AS n WHERE to_regclass(n) IS NOT NULL"
    return int(conn.execute(text(sql)).scalar_one()) == len(names)


def pg_defer_key_trigger(conn: Connection) -> bool:
    """PostgreSQL, a bulk load of enterprises: make the keys' insert trigger skip the rows this
    transaction inserts from now on, until :func:`pg_resume_key_trigger` or the end of the transaction
    (commit or rollback: nothing to restore). False (nothing done): there are no filter keys."""
    found = conn.execute(
        text("SELECT count(*) FROM pg_trigger WHERE tgname = :n AND tgrelid = to_regclass('enterprises')"),
        {"n": FILTER_KEYS_INSERT_TRIGGER},
    ).scalar_one()
    if not found:
        return False
    conn.execute(text("SELECT set_config(:k, 'on', true)"), {"k": PG_LOAD_SETTING})
    return True


def pg_resume_key_trigger(conn: Connection) -> None:
    conn.execute(text("SELECT set_config(:k, 'off', true)"), {"k": PG_LOAD_SETTING})


def _fts_values(table: str, prefix: str) -> tuple[str, str]:
    cols = _SQLITE_TABLES[table][1]
    names = ", ".join(c for c, _ in cols)
    values = ", ".join(expr.format(p=prefix) for _, expr in cols)
    return names, values


def sqlite_ddl() -> list[str]:
    stmts = [
        "CREATE TABLE gxq_numbers (i INTEGER PRIMARY KEY)",
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {INDEXED_CHARS}) "
        "INSERT INTO gxq_numbers (i) SELECT i FROM n",
    ]
    for table, (options, cols) in _SQLITE_TABLES.items():
        col_names = ", ".join(c for c, _ in cols)
        stmts.append(f"CREATE VIRTUAL TABLE {table} USING fts5({col_names}, content='', {options})")
    ins = []
    dele = []
    for table in _SQLITE_TABLES:
        names, new_values = _fts_values(table, "new")
        _, old_values = _fts_values(table, "old")
        ins.append(f"INSERT INTO {table} (rowid, {names}) VALUES (new.id, {new_values});")
        dele.append(f"INSERT INTO {table} ({table}, rowid, {names}) VALUES ('delete', old.id, {old_values});")
        sources = _SQLITE_SOURCES[table]
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in sources)
        stmts.append(
            f"CREATE TRIGGER {table}_au AFTER UPDATE OF {', '.join(sources)} ON enterprises "
            f"WHEN {changed} BEGIN {dele[-1]} {ins[-1]} END"
        )
    stmts.append(f"CREATE TRIGGER enterprise_fts_ai AFTER INSERT ON enterprises BEGIN {' '.join(ins)} END")
    stmts.append(f"CREATE TRIGGER enterprise_fts_ad AFTER DELETE ON enterprises BEGIN {' '.join(dele)} END")
    stmts.extend(_COMMON_INDEXES)
    stmts.extend(sqlite_index_ddl())
    stmts.extend(filter_keys_ddl())
    return stmts


def sqlite_populate() -> list[str]:
    """Fill the FTS tables from ``enterprises`` (after creating them, or after 'delete-all')."""
    stmts = []
    for table in _SQLITE_TABLES:
        names, values = _fts_values(table, "e")
        stmts.append(f"INSERT INTO {table} (rowid, {names}) SELECT e.id, {values} FROM enterprises e")
    return stmts


def sqlite_has_current_layout(conn: Connection) -> bool:
    """Whether every FTS table exists with today's options (else :func:`create` brings it up to date)."""
    rows = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'enterprise_fts_%'")
    ).all()
    found: dict[str, str] = {str(name): str(sql) for name, sql in rows}
    return all(t in found and _NO_SIZES in found[t] for t in _SQLITE_TABLES)


def sqlite_drop() -> list[str]:
    stmts = [f"DROP TRIGGER IF EXISTS {t}_au" for t in _SQLITE_TABLES]
    stmts += ["DROP TRIGGER IF EXISTS enterprise_fts_ai", "DROP TRIGGER IF EXISTS enterprise_fts_ad"]
    stmts += [f"DROP TABLE IF EXISTS {t}" for t in _SQLITE_TABLES]
    stmts += ["DROP TABLE IF EXISTS gxq_numbers"]
    stmts += [f"DROP INDEX IF EXISTS {n}" for n in _COMMON_INDEX_NAMES]
    stmts += [f"DROP INDEX IF EXISTS {n}" for n in SQLITE_INDEXES]
    stmts += filter_keys_drop()
    return stmts


# --------------------------------------------------------------------------- PostgreSQL

PG_GRAMS12 = "gxq_grams12"  # all distinct 1- and 2-character substrings
PG_GRAMS3 = "gxq_grams3"  # all distinct 3-character substrings
PG_GRAMS4 = "gxq_grams4"  # all distinct 4-character substrings (names only, migration 0010)
PG_GRAM_FUNCTIONS = (PG_GRAMS12, PG_GRAMS3, PG_GRAMS4)

# index name → (function, SQL expression). Queries must use exactly these expressions.
PG_GRAM_EXPRESSIONS: dict[str, tuple[str, str]] = {
    "name": (PG_GRAMS12, "lower(e.name)"),
    # A name term of three or more characters is looked up by its trigrams (migration 0009): one of
    # three characters is then exactly its gram, counted from the index alone, and a longer one gets
    # far fewer false candidates than from its pairs.
    "name3": (PG_GRAMS3, "lower(e.name)"),
    # And terms of four or more by their 4-grams (migration 0010): a four-character term — the length
    # of most words in a company name (文化传媒, 通信技术) — is then one gram too. By trigrams, a common
    # one had 10,000+ candidates that had to be read to prove the count.
    "name4": (PG_GRAMS4, "lower(e.name)"),
    "former_names": (PG_GRAMS12, "lower(e.former_names)"),
    "legal_rep": (PG_GRAMS12, "lower(e.legal_rep)"),
    "address": (PG_GRAMS3, "lower(e.address)"),
    "business_scope": (PG_GRAMS3, "lower(e.business_scope)"),
    "name_pinyin": (PG_GRAMS3, "e.name_pinyin"),
    "name_initials": (PG_GRAMS3, "e.name_initials"),
    "codes": (
        PG_GRAMS3,
        "lower(coalesce(e.uscc, '') || ' ' || coalesce(e.reg_no, '') || ' ' || coalesce(e.org_code, ''))",
    ),
}


def pg_gram_sql(key: str, alias: str = "e.") -> str:
    """The indexed gram expression of field ``key`` (``alias`` "": as the index states it); queries must
    use exactly this form to be answered from the index.

    The arrays are compared in the "C" collation (byte order; migration 0008_pg_gram_collation): a GIN
    build spends about half its time sorting and comparing its keys, and under a language collation
    (the database default, C.UTF-8 or a Chinese one) each comparison goes through strcoll — building
    the eight indexes took 20-25 % longer. Gram keys are only ever compared for equality, so their
    order is irrelevant to the search.
    """
    fn, expr = PG_GRAM_EXPRESSIONS[key]
    return f'({fn}({expr.replace("e.", alias)}) COLLATE "C")'


def pg_gram_index_ddl(key: str) -> str:
    return f"CREATE INDEX ix_enterprises_search_{key} ON enterprises USING gin ({pg_gram_sql(key, '')})"


def pg_add_gram_index(conn: Connection, key: str) -> None:
    """A migration's step (PostgreSQL): add the gram index of ``key`` (with the gram functions it needs)
    where the search index exists and lacks it — a database created by this version at 0002 has it
    already — and refresh the statistics the search reads of it. Building it takes about 30 seconds
    per 1,000,000 enterprises, during which ``enterprises`` is locked (only an administrator upgrades
    a shared database)."""
    exists = text("SELECT to_regclass(:n) IS NOT NULL")
    if not conn.execute(exists, {"n": "ix_enterprises_search_name"}).scalar_one():
        return  # no search index here
    if conn.execute(exists, {"n": f"ix_enterprises_search_{key}"}).scalar_one():
        return
    for stmt in pg_gram_functions():
        conn.execute(text(stmt))
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # GIN builds sort their keys in memory
    conn.execute(text(pg_gram_index_ddl(key)))
    conn.execute(text("ANALYZE enterprises"))


# PostgreSQL: (value, id) b-trees of the filter columns (migration 0003_search_speed). A search with
# several filters reads each filter's ids from one of these alone (index-only, in id order) and the
# planner merges them; the plain one-column indexes would make it visit every candidate row.
PG_FILTER_INDEXES: dict[str, str] = {
    "ix_enterprises_search_filter_category": "(subject_category, id)",
    "ix_enterprises_search_filter_section": "(industry_section, id)",
    "ix_enterprises_search_filter_status": "(status, id)",
    "ix_enterprises_search_filter_risk": "(risk_class, id)",
}


def pg_filter_ddl() -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {n} ON enterprises {cols}" for n, cols in PG_FILTER_INDEXES.items()]


def _pg_chunks(source: str, size: int) -> str:
    """SQL: ``source`` cut into pieces of ``size`` characters, as an array (a shorter rest stays as the
    last piece). A separator (U+0001) goes after each whole piece; a trailing one is trimmed off again."""
    dots = "." * size
    return f"string_to_array(rtrim(regexp_replace({source}, '({dots})', E'\\\\1' || chr(1), 'g'), chr(1)), chr(1))"


def pg_gram_functions() -> list[str]:
    """The gram functions of the GIN indexes (PostgreSQL), in PL/pgSQL.

    Each is one expression of built-in C functions, which PL/pgSQL evaluates on its fast path without
    starting a query: 1.4 (pairs) to 3 times (triples) faster than the SQL versions of 0002 (``unnest``
    over array slices), which ran a small query per call — for every row of every index build and every
    write of an enterprise (migration 0007_pg_fast_grams).
    Pairs come from doubling each character ("abc" → "aabbcc", less the first: "abbcc") and cutting
    that into twos ("ab", "bc", "c"); triples from cutting the text into threes at offsets 0, 1 and 2,
    and 4-grams (the names' only, migration 0010) likewise into fours.
    Cuts never split a piece at a character, so only grams containing U+0001 itself (which no query
    looks for) can be lost or cut short. The keys are the same sets as before (tests compare them with
    a reference): indexes built with the old functions stay valid. Duplicates are left in: GIN keeps
    each key once per row anyway.
    """
    pairs = _pg_chunks("substr(regexp_replace(s, '(.)', E'\\\\1\\\\1', 'g'), 2)", 2)
    thirds, fourths = _pg_ngrams(3), _pg_ngrams(4)
    head = "RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000"
    # COST: computing grams is expensive; the planner must read the GIN index, not call them per row.
    return [
        f"""CREATE OR REPLACE FUNCTION {PG_GRAMS12}(t text) {head} AS $$
        DECLARE
          s text := left(t, {INDEXED_CHARS});
        BEGIN
          RETURN string_to_array(s, NULL) || {pairs};
        END
        $$""",
        f"""CREATE OR REPLACE FUNCTION {PG_GRAMS3}(t text) {head} AS $$
        DECLARE
          s text := left(t, {4 * INDEXED_CHARS});
          n integer := length(s);
        BEGIN
          RETURN {thirds};
        END
        $$""",
        f"""CREATE OR REPLACE FUNCTION {PG_GRAMS4}(t text) {head} AS $$
        DECLARE
          s text := left(t, {INDEXED_CHARS});
          n integer := length(s);
        BEGIN
          RETURN {fourths};
        END
        $$""",
    ]


def _pg_ngrams(size: int) -> str:
    """SQL: every ``size``-character substring of ``s`` (of length ``n``), by cutting it into pieces of
    ``size`` at each offset below ``size`` (each cut a whole number of pieces long)."""
    return " || ".join(
        _pg_chunks(f"substr(s, {k + 1}, {f'(n - {k})' if k else 'n'} / {size} * {size})", size)
        for k in range(size)
    )


def pg_ddl() -> list[str]:
    stmts = pg_gram_functions()
    stmts += [pg_gram_index_ddl(key) for key in PG_GRAM_EXPRESSIONS]
    stmts += [
        "CREATE INDEX ix_enterprises_name_id ON enterprises (name, id)",
        "CREATE INDEX ix_enterprises_established_id ON enterprises (established_on, id)",
        "CREATE INDEX ix_enterprises_initials_pattern ON enterprises (name_initials text_pattern_ops)",
        # Clerks often have only the last four characters of a USCC. (SQLite finds them through the
        # code trigram table instead: its reflection warns about expression indexes.)
        "CREATE INDEX ix_enterprises_uscc_last4 ON enterprises (substr(uscc, 15))",
        *_COMMON_INDEXES,
        *pg_filter_ddl(),
    ]
    return stmts


def pg_drop() -> list[str]:
    stmts = filter_keys_drop(pg=True)
    stmts += [f"DROP INDEX IF EXISTS ix_enterprises_search_{key}" for key in PG_GRAM_EXPRESSIONS]
    stmts += [
        "DROP INDEX IF EXISTS ix_enterprises_name_id",
        "DROP INDEX IF EXISTS ix_enterprises_established_id",
        "DROP INDEX IF EXISTS ix_enterprises_initials_pattern",
        "DROP INDEX IF EXISTS ix_enterprises_uscc_last4",
        *(f"DROP INDEX IF EXISTS {n}" for n in PG_FILTER_INDEXES),
    ]
    stmts += [f"DROP INDEX IF EXISTS {n}" for n in _COMMON_INDEX_NAMES]
    stmts += [f"DROP FUNCTION IF EXISTS {fn}(text)" for fn in PG_GRAM_FUNCTIONS]
    return stmts


# --------------------------------------------------------------------------- entry points


def create(conn: Connection) -> None:
    """Create the index and fill it from the rows already there (used by the migration).

    Whatever an earlier attempt left is dropped first, so running it again is safe.
    """
    drop(conn)
    if conn.dialect.name == "sqlite":
        for stmt in sqlite_ddl():
            conn.execute(text(stmt))
        for stmt in (*sqlite_populate(), *filter_keys_populate()):
            conn.execute(text(stmt))
    else:
        # GIN builds sort their keys in memory: the default 64 MB makes a million rows much slower.
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for stmt in (*pg_ddl(), *filter_keys_ddl(pg=True), *pg_filter_keys_populate()):
            conn.execute(text(stmt))


def drop(conn: Connection) -> None:
    for stmt in sqlite_drop() if conn.dialect.name == "sqlite" else pg_drop():
        conn.execute(text(stmt))


def refill(conn: Connection) -> None:
    """Rebuild the SQLite FTS tables and the filter keys from ``enterprises`` (repair, or after loading
    with triggers off).

    PostgreSQL's expression indexes cannot drift; there only the filter keys are built again (and the
    planner statistics refreshed).
    """
    if conn.dialect.name == "sqlite":
        for table in _SQLITE_TABLES:
            conn.execute(text(f"INSERT INTO {table} ({table}) VALUES ('delete-all')"))
        for stmt in sqlite_populate():
            conn.execute(text(stmt))
    create_filter_keys(conn)
    optimize(conn)


def optimize(conn: Connection) -> None:
    """After a bulk load: merge FTS5 segments (SQLite) and refresh planner statistics."""
    if conn.dialect.name == "sqlite":
        for table in _SQLITE_TABLES:
            conn.execute(text(f"INSERT INTO {table} ({table}) VALUES ('optimize')"))
        conn.execute(text("ANALYZE enterprises"))
    else:
        # GIN's fast-update pending list is searched linearly by every query: merge it now.
        for key in PG_GRAM_EXPRESSIONS:
            conn.execute(text(f"SELECT gin_clean_pending_list('ix_enterprises_search_{key}'::regclass)"))
        conn.execute(text("ANALYZE enterprises"))
