"""Memory of the program after scrolling through 20,000 rows of a search result (target: < 400 MB).

    .venv/bin/python bench/search_memory.py [--db bench/data/demo-1m.sqlite3] [--rows 20000] [--query ""]

Runs the real 企业查询 pane offscreen on the database (read only), scrolls the result table to the
bottom again and again — each time Qt's fetchMore loads the next page off the GUI thread — until the
model holds ``--rows`` rows, then prints the resident memory (VmRSS) and its peak (VmHWM).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCH_DATA = Path(__file__).resolve().parent / "data"
TARGET_MB = 400


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB (Linux /proc; 0 elsewhere)."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
        )
    except OSError:
        return 0.0, 0.0
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=BENCH_DATA / "demo-1m.sqlite3")
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--query", default="", help="查询内容（默认空：全部市场主体）")
    ap.add_argument("--page-size", type=int, default=200)
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(
            f"找不到数据库 {args.db}：先运行 bench/demo_data.py --million 或 bench/search.py", file=sys.stderr
        )
        return 2

    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    base_rss, _ = rss_mb()

    from gxq_desktop.db.engine import Database
    from gxq_desktop.domain.roles import Role
    from gxq_desktop.gui.panes.base import PaneContext
    from gxq_desktop.gui.panes.search import SearchPane
    from gxq_desktop.gui.signals import AppSignals
    from gxq_desktop.services.context import Actor

    db = Database(f"sqlite:///{args.db}")
    pane = SearchPane(PaneContext(db, Actor(None, "bench", "基准测试", Role.CLERK), AppSignals()))
    pane.resize(1400, 900)
    pane.show()
    pane.model.page_size = args.page_size
    pane.box.setText(args.query)
    pane.search_now()
    deadline = time.monotonic() + 600
    while pane.last_page is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    if pane.last_page is None:
        print("查询没有返回", file=sys.stderr)
        return 1
    started_rss, _ = rss_mb()
    started = time.perf_counter()
    model, view = pane.model, pane.view
    while model.rowCount() < args.rows and time.monotonic() < deadline:
        if model.canFetchMore(QModelIndex()):
            view.scrollToBottom()  # the view asks for more (fetchMore) as a user's scrolling would
        app.processEvents()
        time.sleep(0.001)
        if not model.has_more() and not model.loading:
            break
    seconds = time.perf_counter() - started
    view.scrollToBottom()
    app.processEvents()
    rss, peak = rss_mb()
    print(f"数据库：{args.db}（查询“{args.query}”：{pane.last_page.count_text} 家）")
    print(f"表格中的行：{model.rowCount():,}（每页 {args.page_size} 行，滚动用时 {seconds:.1f} 秒）")
    print(
        f"内存（RSS）：启动 Qt 后 {base_rss:.0f} MB，首页后 {started_rss:.0f} MB，滚动后 {rss:.0f} MB，峰值 {peak:.0f} MB"
    )
    ok = model.rowCount() >= args.rows and peak < TARGET_MB
    print("达标（< 400 MB）" if ok else "未达标", flush=True)
    pane.close()
    db.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip PySide's teardown at interpreter exit (it can crash after all is done)
