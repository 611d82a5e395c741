"""``gxq-desktop import FILE --type … --department …``, ``import history``, ``import undo BATCH_ID``.

The same ImportService as the GUI. Exit codes: 0 everything imported (or, with --dry-run, would be);
1 rows were rejected, or nothing was imported because of them (--all-or-nothing); 2 the import could
not run at all (unreadable file, missing columns, no permission, not confirmed …).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import TextIO

from gxq_desktop.db import migrate
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.enums import IMPORT_RECORD_TYPE_LABELS, ImportRecordType
from gxq_desktop.errors import GxqError, NotFound
from gxq_desktop.services.context import command_line_actor
from gxq_desktop.services.importing import (
    CommitMode,
    ImportOptions,
    ImportService,
    Problem,
    ReimportNotConfirmed,
    UndoNotConfirmed,
    parse_record_type,
    save_rejected_rows,
)

from .common import add_db_argument, open_database

SHOWN_PROBLEMS = 30


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    types = "；".join(f"{rt.value}={IMPORT_RECORD_TYPE_LABELS[rt]}" for rt in ImportRecordType)
    p = sub.add_parser(
        "import",
        help="数据归集：导入 Excel/CSV 文件；import history 查看导入批次；import undo 批次号 撤销",
        description=(
            "导入部门报送的 .xlsx/.xls/.csv 文件。\n"
            "  gxq-desktop import 文件 --type 类型 --department 部门 [--dry-run] [--errors 错误行.xlsx]\n"
            "  gxq-desktop import history\n"
            "  gxq-desktop import undo 批次号 [--yes]\n"
            "退出码：0 全部导入；1 有被拒绝的行（或因此未导入）；2 无法导入。"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", metavar="FILE|history|undo", help="要导入的文件，或 history / undo")
    p.add_argument("batch_id", nargs="?", type=int, metavar="BATCH_ID", help="undo 时：要撤销的批次号")
    p.add_argument("--type", dest="record_type", metavar="TYPE", help=f"数据类型：{types}（也可写中文名称）")
    p.add_argument("--department", metavar="DEPT", help="报送部门：编号、代码、全称或简称")
    p.add_argument("--sheet", metavar="NAME", help="工作表名称（默认：第一个有数据的工作表）")
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    p.add_argument("--errors", metavar="OUT.xlsx", help="把被拒绝的行（含原始列和“错误原因”列）保存到此文件")
    p.add_argument(
        "--accept-check-digit",
        action="store_true",
        help="导入统一社会信用代码仅校验位不符的行（须有科室负责人权限）",
    )
    p.add_argument("--all-or-nothing", action="store_true", help="只要有一行错误，就全部不导入")
    p.add_argument("--yes", "-y", action="store_true", help="不再询问：确认重复导入同一文件 / 确认撤销")
    p.add_argument("--limit", type=int, default=30, help="history：显示最近多少个批次（默认 30）")
    add_db_argument(p)
    p.set_defaults(handler=_dispatch)


def _service(args: argparse.Namespace) -> ImportService:
    db: Database = open_database(args)
    status = migrate.schema_status(db)
    if status.state is migrate.SchemaState.EMPTY:
        migrate.upgrade(db)
    elif status.state is not migrate.SchemaState.CURRENT:
        raise GxqError(
            f"数据库结构不是本程序的版本（{status.database_revision or '无'}，本程序 {status.program_revision}）。"
            "请先运行 gxq-desktop db upgrade。"
        )
    return ImportService(db, command_line_actor())


def _dispatch(args: argparse.Namespace) -> int:
    if args.target == "history" and args.batch_id is None:
        return _history(args)
    if args.target == "undo":
        if args.batch_id is None:
            print("错误：请给出要撤销的批次号，例如 gxq-desktop import undo 12", file=sys.stderr)
            return 2
        return _undo(args)
    return _import(args)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes", "是")


class _ConsoleProgress:
    """Prints "已处理 …" on one line of a terminal (nothing when output is redirected)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self._last = 0.0

    def check(self) -> None:
        pass

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        now = time.monotonic()
        # At most ~3 lines a second; but a report at 100 % is always shown (the one that says the rows
        # are read and the writing is being finished comes right after the last chunk's).
        if not self.enabled or (now - self._last < 0.3 and not (total and done >= total)):
            return
        self._last = now
        pct = f"{done * 100 // total:3d}% " if total else ""
        self.stream.write(f"\r{pct}{text}\033[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _print_problems(problems: tuple[Problem, ...], total: int) -> None:
    if not problems:
        return
    print(
        f"问题（共 {total} 条{'，以下为前 ' + str(SHOWN_PROBLEMS) + ' 条' if total > SHOWN_PROBLEMS else ''}）："
    )
    for p in problems[:SHOWN_PROBLEMS]:
        where = f"第 {p.row} 行" + (f"“{p.column}”" if p.column else "")
        print(f"  [{p.severity_label}] {where}：{p.message}")


def _department_id(svc: ImportService, text: str | None) -> int | None:
    if text is None:
        return None
    return svc.find_department(text).id


def _import(args: argparse.Namespace) -> int:
    if not args.record_type:
        print(
            "错误：请用 --type 指定数据类型，例如 --type enterprise（gxq-desktop import -h 查看全部）",
            file=sys.stderr,
        )
        return 2
    try:
        record_type = parse_record_type(args.record_type)
    except ValueError:
        print(
            f"错误：不认识的数据类型“{args.record_type}”。可用："
            + "，".join(t.value for t in ImportRecordType),
            file=sys.stderr,
        )
        return 2
    svc = _service(args)
    dep = _department_id(svc, args.department)
    progress = _ConsoleProgress(sys.stderr)
    if args.dry_run:
        try:
            pv = svc.preview(
                args.target,
                record_type,
                dep,
                sheet=args.sheet,
                accept_check_digit=args.accept_check_digit,
                task=progress,
            )
        finally:
            progress.close()
        print(
            f"文件：{pv.file_name}（{pv.format_label}{'，' + pv.encoding if pv.encoding else ''}"
            f"{'，工作表“' + pv.sheet_name + '”' if pv.sheet_name else ''}）"
        )
        print(
            f"表头：第 {'、'.join(str(r) for r in pv.header_rows)} 行；列对应："
            + "，".join(f"{c.header}→{c.field_label}" for c in pv.columns if c.field_label)
        )
        for n in pv.notices:
            print(f"提示：{n}")
        if pv.missing_required:
            print("缺少必需的列：" + "、".join(pv.missing_required))
        for b in pv.previous_batches:
            print(f"提示：同一文件已于 {b.started_at:%Y-%m-%d %H:%M} 导入过（批次 #{b.id}）。")
        _print_problems(pv.problems, pv.problem_count)
        print(
            f"检查完成（未写入）：共 {pv.total_rows} 行，可新增 {pv.insert_rows}，可更新 {pv.update_rows}，"
            f"无变化 {pv.unchanged_rows}，拒绝 {pv.error_rows}。"
        )
        _save_errors(args, pv.rejected_file)
        return 0 if pv.can_import and not pv.error_rows else (2 if not pv.can_import else 1)
    options = ImportOptions(
        mode=CommitMode.ALL_OR_NOTHING if args.all_or_nothing else CommitMode.VALID_ROWS,
        accept_check_digit=args.accept_check_digit,
        confirm_reimport=args.yes,
        sheet=args.sheet,
        rejected_path=args.errors,
    )
    try:
        try:
            result = svc.run(args.target, record_type, dep, options, task=progress)
        except ReimportNotConfirmed as exc:
            progress.close()
            if not _confirm(exc.message + "仍要再次导入吗？"):
                print(f"错误：{exc.message}如确需再次导入，请加 --yes。", file=sys.stderr)
                return 2
            result = svc.run(
                args.target,
                record_type,
                dep,
                dataclasses.replace(options, confirm_reimport=True),
                task=progress,
            )
    finally:
        progress.close()
    for n in result.notices:
        print(f"提示：{n}")
    _print_problems(result.problems, result.problem_count)
    if result.rejected_file and not args.errors:
        Path(result.rejected_file).unlink(missing_ok=True)  # a temporary file nobody asked for
    print(result.message + (f"批次号 #{result.batch_id}。" if result.batch_id else ""))
    print(f"用时 {result.seconds:.1f} 秒。")
    if args.errors:
        if result.rejected:
            print(f"被拒绝的行已保存到：{args.errors}")
        else:
            print("没有被拒绝的行，未生成错误行文件。")
    return 0 if result.committed and not result.rejected else 1


def _save_errors(args: argparse.Namespace, temp_file: str | None) -> None:
    if not args.errors:
        if temp_file:
            Path(temp_file).unlink(missing_ok=True)
        return
    if temp_file:
        dest = save_rejected_rows(temp_file, args.errors)
        Path(temp_file).unlink(missing_ok=True)
        print(f"被拒绝的行已保存到：{dest}")
    else:
        print("没有被拒绝的行，未生成错误行文件。")


def _history(args: argparse.Namespace) -> int:
    svc = _service(args)
    batches = svc.history(limit=args.limit)
    if not batches:
        print("还没有导入过数据。")
        return 0
    print("批次\t时间\t状态\t类型\t部门\t操作人\t总行数\t新增\t更新\t拒绝\t文件")
    for b in batches:
        print(
            f"#{b.id}\t{b.started_at.astimezone():%Y-%m-%d %H:%M}\t{b.status_label}\t{b.record_type_label}\t"
            f"{b.department_name or '-'}\t{b.user_name}\t{b.total_rows}\t{b.inserted_rows}\t{b.updated_rows}\t"
            f"{b.rejected_rows}\t{b.file_name}"
        )
    return 0


def _undo(args: argparse.Namespace) -> int:
    svc = _service(args)
    check = svc.undo_check(args.batch_id)
    print(check.summary)
    if check.blocking:
        for text in check.blocking:
            print(f"错误：{text}", file=sys.stderr)
        return 2
    for text in check.warnings:
        print(f"警告：{text}")
    if not args.yes and not _confirm("确定撤销吗？"):
        print("未撤销。如确需撤销，请加 --yes。", file=sys.stderr)
        return 2
    try:
        result = svc.undo(args.batch_id, confirm_warnings=True)
    except UndoNotConfirmed as exc:  # pragma: no cover - confirm_warnings=True above
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except NotFound as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    print(result.message)
    return 0
