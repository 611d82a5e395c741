"""Import speed: a 150,000-row enterprise workbook and a 1,000,000-row enterprise CSV.

    .venv/bin/python bench/import.py                      # SQLite
    .venv/bin/python bench/import.py --pg postgresql+psycopg://gxq@127.0.0.1:5432/postgres
    .venv/bin/python bench/import.py --xlsx-rows 20000 --csv-rows 100000   # quicker

Each import runs in a fresh child process against a fresh database (so peak RSS is that import's),
and prints wall-clock seconds and the process's CPU seconds (with the writer thread, CPU time can
exceed wall time; on a virtual machine both move together with the host's load: the same million-row
import took 75-102 CPU seconds, 50-68 s of wall clock, within one hour — compare runs that
alternate, and read wall/CPU), through ImportService.run — the same validation and storage the clerk's import uses. Generated files
are kept in --workdir and reused. Targets (issue 4): 150,000 .xlsx rows ≤ 15 s; 1,000,000 CSV rows
≤ 60 s; peak memory ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = [
    "序号",
    "统一社会信用代码",
    "企业名称",
    "企业类型",
    "法定代表人",
    "注册资本（万元）",
    "成立日期",
    "登记状态",
    "住所",
    "行业代码",
    "登记机关",
    "经营范围",
    "联系电话",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉"
WORDS = "秦岭长安丝路雁塔曲江高新锦业唐延丈八沣惠天谷软件鱼化云水汉唐未来星河启航创新博远恒信"
TRADES = [
    "科技",
    "信息技术",
    "电子",
    "商贸",
    "餐饮管理",
    "建筑工程",
    "文化传媒",
    "医疗器械",
    "教育咨询",
    "物流",
]
TYPES = ["有限责任公司", "股份有限公司", "个人独资企业", "分公司"]
STREETS = ["科技路", "科技五路", "唐延南路", "锦业路", "高新一路", "上林苑七路", "沣惠南路", "天谷六路"]


def enterprise_rows(n: int, seed: int = 4):
    from gxq_desktop.domain.uscc import make_uscc

    rnd = random.Random(seed)
    for i in range(1, n + 1):
        brand = rnd.choice(WORDS) + rnd.choice(WORDS) + rnd.choice(WORDS)
        name = f"西安{brand}{rnd.choice(TRADES)}有限公司{i}"
        year = rnd.randint(1995, 2025)
        est = (
            f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
            if i % 3
            else f"{year}/{rnd.randint(1, 12)}/{rnd.randint(1, 28)}"
        )
        yield [
            i,
            make_uscc("610131", f"{i:08d}"),
            name,
            rnd.choice(TYPES),
            rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
            rnd.choice(["50", "100", "1,000", "300万元", "12.5"]),
            est,
            "存续" if i % 10 else "注销",
            f"西安市高新区{rnd.choice(STREETS)}{rnd.randint(1, 999)}号",
            f"{rnd.randint(10, 96)}{rnd.randint(10, 99)}",
            "西安市市场监督管理局高新区分局",
            "技术开发、技术咨询、技术服务；软件开发；信息系统集成服务",
            f"029-{rnd.randint(80000000, 89999999)}",
        ]


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(path: Path, n: int) -> None:
    """A plain .xlsx with inline strings, written directly (openpyxl would take minutes for this)."""
    sheet_head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="市场主体" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(sheet_head.encode())
            rows = [HEADERS, *enterprise_rows(n)]
            for r, values in enumerate(rows, start=1):
                cells = []
                for c, v in enumerate(values):
                    ref = f"{_col(c)}{r}"
                    if isinstance(v, int):
                        cells.append(f'<c r="{ref}"><v>{v}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
                f.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            f.write(b"</sheetData></worksheet>")


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        w.writerows(enterprise_rows(n))


# --------------------------------------------------------------------------- one measured import


def child(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from gxq_desktop.db import migrate
    from gxq_desktop.db import models as m
    from gxq_desktop.db.engine import Database
    from gxq_desktop.domain.roles import Role
    from gxq_desktop.services.context import Actor
    from gxq_desktop.services.importing import ImportOptions, ImportService

    db = Database(args.db)
    migrate.upgrade(db)
    if args.without_search_index:
        from gxq_desktop.db import search_index

        with db.engine.begin() as conn:
            search_index.drop(conn)
    with db.transaction() as s:
        dep = m.Department(code="SJJ", name="高新区市场监督管理局")
        s.add(dep)
        s.flush()
        dep_id = dep.id
    svc = ImportService(db, Actor(None, "bench", "bench", Role.ADMIN))
    u0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    result = svc.run(args.file, "enterprise", dep_id, ImportOptions())
    seconds = time.perf_counter() - t0
    u1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
    with db.session() as s:
        stored = s.scalar(select(func.count()).select_from(m.Enterprise))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db.dispose()
    print(
        json.dumps(
            {
                "rows": result.total_rows,
                "inserted": result.inserted,
                "rejected": result.rejected,
                "stored": stored,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),  # this process's CPU time: what a busy machine cannot hide
                "rows_per_s": round(result.total_rows / seconds),
                "peak_rss_mb": round(rss_mb),
            }
        )
    )


def measure(file: Path, db_url: str, without_index: bool) -> dict[str, object]:
    extra = ["--without-search-index"] if without_index else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--file", str(file), "--db", db_url, *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def pg_database(admin_url: str, name: str, *, drop: bool = False) -> str:
    from sqlalchemy import create_engine, make_url, text

    url = make_url(admin_url)
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--xlsx-rows", type=int, default=150_000)
    ap.add_argument("--csv-rows", type=int, default=1_000_000)
    ap.add_argument(
        "--pg", metavar="URL", help="PostgreSQL server URL (a database there is created and dropped)"
    )
    ap.add_argument("--only", choices=["xlsx", "csv"])
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument(
        "--without-search-index",
        action="store_true",
        help="also measure with the enterprise search index dropped (the import's own cost)",
    )
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "gxq-bench-import"))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    cases = []
    if args.only in (None, "xlsx"):
        f = work / f"enterprises-{args.xlsx_rows}.xlsx"
        if not f.exists():
            t = time.perf_counter()
            write_xlsx(f, args.xlsx_rows)
            print(f"generated {f.name} ({f.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
        cases.append(("xlsx", f, 15.0))
    if args.only in (None, "csv"):
        f = work / f"enterprises-{args.csv_rows}.csv"
        if not f.exists():
            t = time.perf_counter()
            write_csv(f, args.csv_rows)
            print(f"generated {f.name} ({f.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
        cases.append(("csv", f, 60.0))
    engines = [] if args.no_sqlite else ["sqlite"]
    if args.pg:
        engines.append("postgresql")
    print(
        f"{'file':<32} {'db':<11} {'index':<6} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'peak RSS':>9}  target"
    )
    variants = [False, True] if args.without_search_index else [False]
    for (kind, f, target), engine, no_index in itertools.product(cases, engines, variants):
        if engine == "sqlite":
            dbfile = work / f"bench-{kind}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(str(dbfile) + suffix).unlink(missing_ok=True)
            url = f"sqlite:///{dbfile}"
        else:
            url = pg_database(args.pg, f"gxq_bench_{kind}_{os.getpid()}")
        try:
            r = measure(f, url, no_index)
        finally:
            if engine != "sqlite":
                pg_database(args.pg, f"gxq_bench_{kind}_{os.getpid()}", drop=True)
        seconds, rss = float(str(r["seconds"])), float(str(r["peak_rss_mb"]))
        ok = "ok" if seconds <= target and rss <= 500 else "MISSED"
        print(
            f"{f.name:<32} {engine:<11} {'no' if no_index else 'yes':<6} {r['rows']:>9} {r['seconds']:>8} "
            f"{r['cpu_seconds']:>7} "
            f"{r['rows_per_s']:>8} "
            f"{r['peak_rss_mb']:>6} MB  ≤{target:.0f} s, ≤500 MB: {ok}"
        )


if __name__ == "__main__":
    main()
