"""Reading .xlsx/.xls/.csv files row by row, whatever their extension claims.

The format is taken from the file's first bytes, not its name: a workbook renamed to .csv is read as a
workbook (with a notice), an encrypted workbook (an OLE container holding ``EncryptedPackage``), a web
page saved as .xls, a PDF, an empty or truncated file each get a clear Chinese message.

Workbooks are read with python-calamine (Rust; the sheet is held in compact native memory and
converted to Python one row at a time). CSV is streamed in 1 MB blocks; its encoding is detected (UTF-8
with or without BOM, GBK/GB18030, UTF-16) and, because files are sometimes pasted together from
different sources, each line that is not valid in the file's main encoding is decoded with the other
one and its row gets a notice.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import python_calamine as calamine

from .errors import ImportFileError
from .values import Cell

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
BLOCK = 1 << 20
csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))  # 1 MB cells and more are legitimate

FORMAT_LABELS = {
    "xlsx": "Excel 工作簿 (.xlsx)",
    "xls": "Excel 97-2003 工作簿 (.xls)",
    "xlsb": "Excel 二进制工作簿 (.xlsb)",
    "ods": "OpenDocument 表格 (.ods)",
    "csv": "CSV 文本",
}

RawRow = tuple[int, list[Cell], str | None]  # (row number as the clerk sees it, cells, notice)


@dataclass
class SourceInfo:
    path: Path
    format: str  # xlsx / xls / xlsb / ods / csv
    size: int
    encoding: str | None = None  # CSV: what was detected, as shown to the clerk
    delimiter: str | None = None
    sheet_name: str | None = None
    sheet_names: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)


class TableReader(Protocol):
    info: SourceInfo
    merged: list[tuple[int, int, int, int]]  # (row0, col0, row1, col1), rows absolute 0-based

    def rows(self) -> Iterator[RawRow]: ...

    def fraction(self) -> float: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- sniffing


def _corrupt(name: str) -> ImportFileError:
    return ImportFileError(
        f"文件“{name}”已损坏或不完整（可能没有下载或复制完整），无法读取。"
        "请重新获取文件，或在 Excel 中打开后另存为 .xlsx 再导入。"
    )


def _encrypted(name: str) -> ImportFileError:
    return ImportFileError(
        f"工作簿“{name}”设置了打开密码（已加密），程序无法读取。"
        "请在 Excel 中打开，通过“文件 → 信息 → 保护工作簿 → 用密码进行加密”清除密码并保存后再导入。"
    )


def _contains(path: Path, needle: bytes) -> bool:
    with path.open("rb") as f:
        tail = b""
        while chunk := f.read(BLOCK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def sniff_format(path: Path) -> str:
    """The real format of ``path``: xlsx, xls, xlsb, ods or csv; raises ImportFileError otherwise."""
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"无法打开文件“{name}”：{exc.strerror or exc}。") from exc
    if size == 0:
        raise ImportFileError(f"文件“{name}”是空的（0 字节），没有可导入的内容。")
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, KeyError, EOFError):
            raise _corrupt(name) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if b"spreadsheet" in mimetype:
            return "ods"
        if any(n.startswith("word/") for n in names):
            raise ImportFileError(
                f"“{name}”是 Word 文档，不是表格。请把表格复制到 Excel 中保存为 .xlsx 后再导入。"
            )
        if any(n.startswith("ppt/") for n in names):
            raise ImportFileError(f"“{name}”是 PowerPoint 演示文稿，不是表格。")
        raise ImportFileError(f"“{name}”是压缩文件，不是 Excel 工作簿。请解压后选择其中的表格文件。")
    if head.startswith(CFB_MAGIC):
        if _contains(path, ENCRYPTED_STREAM):
            raise _encrypted(name)
        return "xls"
    if head.startswith(b"%PDF"):
        raise ImportFileError(
            f"“{name}”是 PDF 文件，无法作为表格导入。请向报送部门索取 Excel 或 CSV 格式的数据。"
        )
    text_head = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text_head.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
            raise ImportFileError(
                f"“{name}”是 Excel 2003 XML 表格，请在 Excel 中打开并另存为 .xlsx 后再导入。"
            )
        if b"<html" in text_head or b"<table" in text_head or b"<!doctype" in text_head:
            raise ImportFileError(
                f"“{name}”实际上是网页（HTML）格式的表格（常见于从业务系统导出的 .xls），"
                "请在 Excel 中打开并另存为 .xlsx 后再导入。"
            )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in head:
        raise ImportFileError(f"无法识别“{name}”的格式：它不是 Excel 工作簿，也不是 CSV 文本文件。")
    return "csv"


def open_table(path: str | os.PathLike[str], sheet: str | None = None) -> TableReader:
    p = Path(path)
    fmt = sniff_format(p)
    ext = p.suffix.lower().lstrip(".")
    if fmt == "csv":
        reader: TableReader = CsvReader(p)
    else:
        reader = WorkbookReader(p, fmt, sheet)
    if (
        ext
        and ext != fmt
        and not (ext in ("txt", "tsv") and fmt == "csv")
        and not (ext == "xlsm" and fmt == "xlsx")
    ):
        reader.info.notices.insert(
            0,
            f"文件扩展名是 .{ext}，但内容是{FORMAT_LABELS[fmt]}，已按实际格式读取。",
        )
    return reader


# --------------------------------------------------------------------------- workbooks


class WorkbookReader:
    def __init__(self, path: Path, fmt: str, sheet: str | None) -> None:
        self.info = SourceInfo(path, fmt, path.stat().st_size)
        self.merged: list[tuple[int, int, int, int]] = []
        self._handle: BinaryIO | None = None
        self._done = 0
        self._total = 1
        try:
            if path.suffix.lower().lstrip(".") == fmt:
                self._wb = calamine.CalamineWorkbook.from_path(str(path))
            else:  # renamed file: calamine picks the reader from the extension, so hand it the bytes
                self._handle = path.open("rb")
                self._wb = calamine.CalamineWorkbook.from_filelike(self._handle)
            self._sheet = self._choose_sheet(sheet)
        except ImportFileError:
            self.close()
            raise
        except calamine.PasswordError:
            self.close()
            raise _encrypted(path.name) from None
        except (calamine.ZipError, calamine.XmlError):
            self.close()
            raise _corrupt(path.name) from None
        except calamine.CalamineError as exc:
            self.close()
            text = str(exc)
            if "password" in text.lower() or "encrypt" in text.lower():
                raise _encrypted(path.name) from None
            raise ImportFileError(
                f"无法读取工作簿“{path.name}”：文件可能已损坏。请在 Excel 中打开并另存为 .xlsx 后再导入。",
                detail=text,
            ) from None
        except (OSError, ValueError) as exc:
            self.close()
            raise ImportFileError(f"无法读取工作簿“{path.name}”：{exc}", detail=str(exc)) from None

    def _choose_sheet(self, wanted: str | None) -> Any:
        meta = [
            s.name
            for s in self._wb.sheets_metadata
            if s.typ == calamine.SheetTypeEnum.WorkSheet and s.visible == calamine.SheetVisibleEnum.Visible
        ] or list(self._wb.sheet_names)
        self.info.sheet_names = tuple(meta)
        if wanted is not None:
            if wanted not in self._wb.sheet_names:
                raise ImportFileError(f"工作簿中没有名为“{wanted}”的工作表。可选：{'、'.join(meta)}")
            self.info.sheet_name = wanted
            return self._wb.get_sheet_by_name(wanted)
        chosen = None
        for name in meta:
            sheet = self._wb.get_sheet_by_name(name)
            if sheet.start is not None and sheet.height > 0:
                chosen = (name, sheet)
                break
        if chosen is None:
            raise ImportFileError(f"工作簿“{self.info.path.name}”中没有任何数据（所有工作表都是空的）。")
        self.info.sheet_name = chosen[0]
        others = [n for n in meta if n != chosen[0]]
        if others:
            self.info.notices.append(
                f"工作簿有 {len(meta)} 个工作表，读取的是“{chosen[0]}”（其余：{'、'.join(others)}）。"
            )
        return chosen[1]

    def rows(self) -> Iterator[RawRow]:
        sheet = self._sheet
        start = sheet.start
        end = sheet.end
        if start is None or end is None:
            return
        self._total = max(end[0] + 1, 1)
        it = iter(sheet.iter_rows())
        try:
            first = next(it)
        except StopIteration:
            return
        # python-calamine versions differ in whether rows before the first non-empty one are yielded;
        # the sheet's first data row is never blank, so a blank first row means absolute numbering.
        row0 = 0 if start[0] > 0 and all(c == "" for c in first) else start[0]
        col0 = start[1] if len(first) == sheet.width else 0
        ranges = sheet.merged_cell_ranges or []
        self.merged = [
            (r1, max(c1 - col0, 0), r2, c2 - col0) for (r1, c1), (r2, c2) in ranges if c2 - col0 >= 0
        ]
        r = row0
        row = first
        while True:
            self._done = r
            yield r + 1, row, None
            r += 1
            try:
                row = next(it)
            except StopIteration:
                break
        self._done = self._total

    def fraction(self) -> float:
        return min(self._done / self._total, 1.0)

    def close(self) -> None:
        self._sheet = None  # the sheet's cells live in native memory until the last reference goes
        wb = getattr(self, "_wb", None)
        if wb is not None:
            with contextlib.suppress(Exception):  # closing twice is harmless
                wb.close()
        if self._handle is not None:
            self._handle.close()
            self._handle = None


# --------------------------------------------------------------------------- CSV

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8（带 BOM）",
    "gb18030": "GBK/GB18030",
    "utf-16": "UTF-16",
}
_DELIMITERS = (",", "\t", ";", "|")


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    cut = sample.rfind(b"\n")
    body = sample[: cut + 1] if cut > 0 and len(sample) >= BLOCK // 4 else sample
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(body) - 3 and body is sample:  # a character cut at the sample's end
            return "utf-8"
    # Not all UTF-8: the main encoding is the one most non-ASCII lines are valid in (files pasted
    # together from two sources hold both).
    utf8 = other = 0
    for line in body.split(b"\n"):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            other += 1
    return "utf-8" if utf8 > other else "gb18030"


def _detect_delimiter(lines: list[str]) -> str:
    best, best_score = ",", (-1, -1)
    for d in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        modal = max(set(multi), key=multi.count)
        score = (multi.count(modal), modal)
        if score > best_score:
            best, best_score = d, score
    return best


class CsvReader:
    def __init__(self, path: Path) -> None:
        self.info = SourceInfo(path, "csv", path.stat().st_size)
        self.merged: list[tuple[int, int, int, int]] = []
        self._raw: BinaryIO = path.open("rb")
        self._consumed = 0
        sample = self._raw.read(BLOCK // 4)
        self._raw.seek(0)
        self.encoding = _detect_encoding(sample)
        self.info.encoding = ENCODING_LABELS[self.encoding]
        self._other_lines: set[int] = set()
        self._undecodable: set[int] = set()
        text = sample.decode("utf-16" if self.encoding == "utf-16" else self.encoding, errors="replace")
        lines = text.splitlines(keepends=True)[:50]
        self._skip_sep = bool(lines) and lines[0].lower().startswith("sep=") and len(lines[0].strip()) == 5
        if self._skip_sep:
            self.delimiter = lines[0].strip()[4]
        else:
            self.delimiter = _detect_delimiter(lines[:-1] if len(lines) > 1 else lines)
        self.info.delimiter = self.delimiter

    def _lines(self) -> Iterator[str]:
        """Decoded lines; lines invalid in the main encoding are decoded with the other one."""
        if self.encoding == "utf-16":
            wrapper = io.TextIOWrapper(self._raw, encoding="utf-16", errors="replace", newline="")
            for line in wrapper:
                self._consumed = self._raw.tell()
                yield line
            return
        main = "utf-8" if self.encoding.startswith("utf-8") else self.encoding
        lineno = 0
        first = True
        while True:
            block = self._raw.read(BLOCK)
            if not block:
                break
            if not block.endswith(b"\n"):
                block += self._raw.readline()
            self._consumed = self._raw.tell()
            if first and block.startswith(codecs.BOM_UTF8):
                block = block[3:]
            first = False
            if block.isascii():
                text = block.decode("ascii")
            elif main == "utf-8":
                try:
                    text = block.decode("utf-8")
                except UnicodeDecodeError:
                    text = self._decode_lines(block, lineno, main)
            else:
                # GBK files: a line that is valid UTF-8 (and not plain ASCII) is UTF-8 pasted in, since
                # Chinese GBK text is practically never valid UTF-8; everything else is GB18030.
                text = self._decode_lines(block, lineno, main)
            lineno += block.count(b"\n")
            yield from io.StringIO(text, newline="\n")

    def _decode_lines(self, block: bytes, lineno: int, main: str) -> str:
        out: list[str] = []
        for i, line in enumerate(block.split(b"\n")):
            try:
                text = line.decode("utf-8")
                if main != "utf-8" and not line.isascii():
                    self._note(self._other_lines, lineno + i + 1)
            except UnicodeDecodeError:
                try:
                    text = line.decode("gb18030")
                    if main == "utf-8":
                        self._note(self._other_lines, lineno + i + 1)
                except UnicodeDecodeError:
                    text = line.decode(main, errors="replace")
                    self._note(self._undecodable, lineno + i + 1)
            out.append(text)
        return "\n".join(out)

    @staticmethod
    def _note(where: set[int], line: int) -> None:
        if len(where) < 100_000:
            where.add(line)

    def rows(self) -> Iterator[RawRow]:
        lines = self._lines()
        if self._skip_sep:
            next(lines, None)
        reader = csv.reader(lines, delimiter=self.delimiter)
        row_no = 0
        offset = 1 if self._skip_sep else 0
        prev_line = offset
        records: Iterator[list[Any]] = reader  # csv.reader makes a new list per record: no copy needed
        try:
            for cells in records:
                row_no += 1
                note = None
                if self._other_lines or self._undecodable:
                    span = range(prev_line + 1, reader.line_num + offset + 1)
                    if any(n in self._undecodable for n in span):
                        note = "本行含有无法识别的字符（文件编码混乱），请核对内容。"
                    elif any(n in self._other_lines for n in span):
                        other = "GBK/GB18030" if self.encoding.startswith("utf-8") else "UTF-8"
                        note = f"本行的编码（{other}）与文件其余部分（{self.info.encoding}）不同，已自动识别，请核对。"
                prev_line = reader.line_num + offset
                yield row_no, cells, note
        except csv.Error as exc:
            raise ImportFileError(
                f"CSV 文件“{self.info.path.name}”第 {row_no + 1} 行格式错误：{exc}。请在 Excel 中打开并另存后再导入。"
            ) from None

    def fraction(self) -> float:
        return min(self._consumed / self.info.size, 1.0) if self.info.size else 1.0

    def close(self) -> None:
        self._raw.close()
