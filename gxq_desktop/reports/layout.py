"""The page every GXQ report shares: header with title, print time and user; footer "第 X 页 共 Y 页";
an optional diagonal watermark ("内部资料"). Reports build a ReportLab *story* with the helpers here
and hand it to :func:`build_pdf`.

    meta = ReportMeta(title="企业信用档案", user="张丽", watermark="内部资料")
    st = styles()
    story = [Paragraph("…", st.body), data_table([...], header=True)]
    build_pdf("out.pdf", meta, story)

Everything is drawn with an embedded TrueType Chinese font (:mod:`gxq_desktop.reports.fonts`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from .fonts import register_cjk_fonts

MARGIN = 15 * mm
HEADER_HEIGHT = 14 * mm
FOOTER_HEIGHT = 10 * mm
HEADER_COLOR = colors.HexColor("#DDE6F0")
GRID_COLOR = colors.HexColor("#8C9BAB")
DANGER = colors.HexColor("#C62828")
WARNING = colors.HexColor("#B26A00")
MUTED = colors.HexColor("#6B7785")
GOOD = colors.HexColor("#2E7D32")
LEVEL_COLORS = {
    "danger": DANGER,
    "warning": WARNING,
    "muted": MUTED,
    "good": GOOD,
    "info": colors.HexColor("#1565C0"),
}


@dataclass(frozen=True, slots=True)
class ReportMeta:
    title: str
    user: str  # who prints (display name)
    printed_at: dt.datetime | None = None  # default: now, local time
    watermark: str | None = None  # e.g. "内部资料"
    subject: str = ""  # PDF metadata
    landscape: bool = False


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    header_cell: ParagraphStyle
    regular_font: str
    bold_font: str


def styles(base_size: float = 10) -> Styles:
    regular, bold = register_cjk_fonts()
    common: dict[str, Any] = {"fontName": regular, "wordWrap": "CJK"}
    return Styles(
        title=ParagraphStyle(
            "gxq-title",
            fontName=bold,
            fontSize=base_size + 6,
            leading=base_size + 10,
            alignment=TA_CENTER,
            spaceAfter=4 * mm,
            wordWrap="CJK",
        ),
        heading=ParagraphStyle(
            "gxq-heading",
            fontName=bold,
            fontSize=base_size + 2,
            leading=base_size + 6,
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
            wordWrap="CJK",
        ),
        body=ParagraphStyle(
            "gxq-body", fontSize=base_size, leading=base_size * 1.5, alignment=TA_LEFT, **common
        ),
        small=ParagraphStyle(
            "gxq-small", fontSize=base_size - 2, leading=(base_size - 2) * 1.4, textColor=MUTED, **common
        ),
        cell=ParagraphStyle("gxq-cell", fontSize=base_size - 2, leading=(base_size - 2) * 1.35, **common),
        header_cell=ParagraphStyle(
            "gxq-header-cell",
            fontName=bold,
            fontSize=base_size - 2,
            leading=(base_size - 2) * 1.35,
            alignment=TA_CENTER,
            wordWrap="CJK",
        ),
        regular_font=regular,
        bold_font=bold,
    )


def para(value: Any, style: ParagraphStyle, color: colors.Color | None = None) -> Paragraph:
    """A table cell or line of text; the value is escaped (names may contain < & >)."""
    text = "" if value is None else escape(str(value)).replace("\n", "<br/>")
    if color is not None:
        text = f'<font color="{color.hexval()}">{text}</font>'
    return Paragraph(text, style)


def data_table(
    rows: Sequence[Sequence[Any]],
    *,
    st: Styles,
    header: Sequence[str] | None = None,
    col_widths: Sequence[float] | None = None,
    width: float | None = None,
    row_colors: Sequence[colors.Color | None] | None = None,
    label_column: bool = False,
) -> Table:
    """A grid table with wrapped Chinese text; the header row repeats on every page.

    Without ``col_widths`` the available ``width`` is shared by how long each column's text is.
    ``label_column``: the first column is a shaded label (key–value tables such as 基本信息).
    """
    data: list[list[Any]] = []
    if header is not None:
        data.append([para(h, st.header_cell) for h in header])
    for i, row in enumerate(rows):
        color = row_colors[i] if row_colors is not None and i < len(row_colors) else None
        data.append([para(v, st.cell, color) for v in row])
    ncols = max((len(r) for r in data), default=1)
    if col_widths is None:
        col_widths = auto_widths(
            [*([header] if header else []), *rows],
            ncols,
            width or 180 * mm,
            font=st.regular_font,
            size=st.cell.fontSize,
        )
    table = Table(data, colWidths=list(col_widths), repeatRows=1 if header is not None else 0)
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), st.regular_font),  # else ReportLab lists an unembedded Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header is not None:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_COLOR))
    if label_column:
        style.append(("BACKGROUND", (0, 0), (0, -1), HEADER_COLOR))
    table.setStyle(TableStyle(style))
    return table


def auto_widths(
    rows: Sequence[Sequence[Any] | None],
    ncols: int,
    width: float,
    *,
    font: str | None = None,
    size: float = 8,
) -> list[float]:
    """Share ``width`` among columns: short columns (dates, codes) get what they need on one line,
    long-text columns share the rest in proportion to their text."""
    font = font or register_cjk_fonts()[0]
    pad = 7.0
    natural = [pad + size * 2] * ncols
    for row in rows:
        if row is None:
            continue
        for i, v in enumerate(row[:ncols]):
            w = pdfmetrics.stringWidth(str(v or ""), font, size) + pad
            natural[i] = max(natural[i], min(w, width))
    if sum(natural) <= width:
        extra = (width - sum(natural)) / ncols
        return [n + extra for n in natural]
    widths = [0.0] * ncols
    flexible = set(range(ncols))
    remaining = width
    while flexible:  # columns narrower than a fair share keep their natural width
        share = remaining / len(flexible)
        fixed = {i for i in flexible if natural[i] <= share}
        if not fixed:
            break
        for i in fixed:
            widths[i] = natural[i]
            remaining -= natural[i]
        flexible -= fixed
    if flexible:
        total = sum(natural[i] for i in flexible)
        for i in flexible:
            widths[i] = max(remaining * natural[i] / total, size * 2 + pad)
    scale = width / sum(widths)
    return [w * scale for w in widths]


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab has no type hints
    """Defers drawing the header and footer until the page count is known ("共 Y 页")."""

    meta: ReportMeta
    fonts: tuple[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Start in the Chinese font: otherwise the PDF lists an unembedded Helvetica.
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = self.fonts[0]
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            _decorate(self, self.meta, self.fonts, number, total)
            super().showPage()
        super().save()


def _decorate(c: Canvas, meta: ReportMeta, fonts: tuple[str, str], number: int, total: int) -> None:
    regular, bold = fonts
    width, height = c._pagesize
    printed = (meta.printed_at or dt.datetime.now()).astimezone().strftime("%Y-%m-%d %H:%M")
    c.saveState()
    if meta.watermark:
        c.setFillColor(colors.Color(0.6, 0.6, 0.6, alpha=0.18))
        c.setFont(bold, 60)
        c.translate(width / 2, height / 2)
        c.rotate(35)
        for dy in (-height / 3, 0, height / 3):
            c.drawCentredString(0, dy, meta.watermark)
        c.rotate(-35)
        c.translate(-width / 2, -height / 2)
    top = height - MARGIN + 4 * mm
    c.setFillColor(colors.black)
    c.setFont(bold, 10)
    c.drawString(MARGIN, top, meta.title)
    c.setFont(regular, 8)
    c.drawRightString(width - MARGIN, top, f"打印时间：{printed}    打印人：{meta.user}")
    c.setStrokeColor(GRID_COLOR)
    c.setLineWidth(0.6)
    c.line(MARGIN, top - 2.5 * mm, width - MARGIN, top - 2.5 * mm)
    c.setFont(regular, 8)
    c.drawCentredString(width / 2, MARGIN - 6 * mm, f"第 {number} 页 共 {total} 页")
    if meta.watermark:
        c.drawRightString(width - MARGIN, MARGIN - 6 * mm, meta.watermark)
    c.restoreState()


def page_size(meta: ReportMeta) -> tuple[float, float]:
    w, h = landscape(A4) if meta.landscape else A4
    return float(w), float(h)


def frame_width(meta: ReportMeta) -> float:
    return page_size(meta)[0] - 2 * float(MARGIN)


def build_pdf(
    target: str | Path | io.BytesIO,
    meta: ReportMeta,
    story: list[Flowable],
    *,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Lay out ``story`` on the shared page template and write the PDF to ``target``."""
    fonts = register_cjk_fonts()
    size = page_size(meta)
    doc = SimpleDocTemplate(
        target if isinstance(target, io.BytesIO) else str(target),
        pagesize=size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN + 2 * mm,
        title=meta.title,
        author=meta.user,
        subject=meta.subject,
        creator="GXQ Desktop",
        initialFontName=fonts[0],
    )

    class Canvas_(_NumberedCanvas):
        pass

    Canvas_.meta = meta
    Canvas_.fonts = fonts

    def check(_c: Canvas, _d: Any) -> None:
        if cancelled is not None and cancelled():
            raise ReportCancelled()

    doc.build(story, onFirstPage=check, onLaterPages=check, canvasmaker=Canvas_)


class ReportCancelled(Exception):
    """Raised inside layout when the caller cancelled; nothing is written."""
