"""企业信用档案 PDF: the sections of an enterprise profile the user ticked, on the shared page template.

Takes the profile the service built (``services.profile.EnterpriseProfile``; described here by
Protocols, as reports and services are independent layers) and returns PDF bytes, or writes a file
atomically (a temporary file renamed at the end, so a failure never leaves half a PDF).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from .layout import LEVEL_COLORS, ReportMeta, build_pdf, data_table, frame_width, para, styles

WATERMARK = "内部资料"
TITLE = "企业信用档案"


class BadgeLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def level(self) -> str: ...


class SectionLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def columns(self) -> tuple[str, ...]: ...
    @property
    def rows(self) -> tuple[tuple[str, ...], ...]: ...
    @property
    def row_levels(self) -> tuple[str, ...]: ...
    @property
    def empty_text(self) -> str: ...


class ProfileLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def uscc(self) -> str | None: ...
    @property
    def basic(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def badges(self) -> Sequence[BadgeLike]: ...
    @property
    def sections(self) -> Sequence[SectionLike]: ...


def render_profile_pdf(
    profile: ProfileLike,
    sections: Sequence[str],
    *,
    user: str,
    watermark: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> bytes:
    """PDF bytes with 基本信息 (key "basic") and the record sections whose keys are in ``sections``."""
    meta = ReportMeta(
        title=TITLE,
        user=user,
        watermark=WATERMARK if watermark else None,
        subject=f"{profile.name} {profile.uscc or ''}".strip(),
    )
    st = styles()
    width = frame_width(meta)
    story: list[Flowable] = [Paragraph(f"{_e(profile.name)}", st.title)]
    if profile.uscc:
        story.append(para(f"统一社会信用代码：{profile.uscc}", st.body))
    if profile.badges:
        marks = "　".join(
            f'<font color="{LEVEL_COLORS.get(b.level, LEVEL_COLORS["info"]).hexval()}">【{_e(b.text)}】</font>'
            for b in profile.badges
        )
        story.append(Paragraph(marks, st.body))
    story.append(Spacer(1, 3 * mm))
    wanted = set(sections)
    if "basic" in wanted:
        story.append(Paragraph("基本信息", st.heading))
        story.append(
            data_table(profile.basic, st=st, col_widths=[38 * mm, width - 38 * mm], label_column=True)
        )
    for sec in profile.sections:
        if sec.key not in wanted:
            continue
        heading = Paragraph(f"{_e(sec.title)}（{len(sec.rows)} 条）", st.heading)
        if not sec.rows:
            story.append(KeepTogether([heading, para(sec.empty_text, st.small)]))
            continue
        colors_ = [LEVEL_COLORS.get(lv) if lv else None for lv in sec.row_levels]
        table = data_table(sec.rows, st=st, header=sec.columns, width=width, row_colors=colors_)
        story.append(heading)
        story.append(table)
    buf = io.BytesIO()
    build_pdf(buf, meta, story, cancelled=cancelled)
    return buf.getvalue()


def write_pdf(data: bytes, path: str | Path) -> Path:
    """Write PDF bytes atomically (temporary file in the same folder, then rename)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return target


def _e(text: str) -> str:
    return escape(text)
