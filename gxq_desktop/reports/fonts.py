"""A Chinese font that PDF reports can *embed*.

ReportLab embeds TrueType fonts (a subset of the glyphs used); it cannot use OpenType/CFF fonts such as
Noto Sans CJK ("postscript outlines are not supported"), and its built-in STSong-Light CID font is not
embedded at all, so a computer without Chinese fonts would show boxes. We therefore look for a
TrueType CJK font on the machine: the Windows system fonts (宋体, 黑体, 微软雅黑), WenQuanYi on Linux,
or one named by the ``GXQ_PDF_FONT`` environment variable (``path`` or ``path#index`` for a .ttc).

    regular, bold = register_cjk_fonts()   # ReportLab font names, registered once per process
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_ENV = "GXQ_PDF_FONT"
REGULAR = "GXQ-CJK"
BOLD = "GXQ-CJK-Bold"


class ReportFontError(Exception):
    """No embeddable Chinese font: the message says what to install (Chinese, for the user)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class FontFile:
    path: Path
    index: int = 0  # sub-font of a .ttc collection


def _windows_fonts() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def candidates() -> list[tuple[FontFile, FontFile | None]]:
    """(regular, bold or None) pairs in order of preference for this platform."""
    out: list[tuple[FontFile, FontFile | None]] = []
    env = os.environ.get(FONT_ENV)
    if env:
        path, _, idx = env.partition("#")
        out.append((FontFile(Path(path), int(idx or 0)), None))
    bundled = Path(__file__).resolve().parent.parent / "resources" / "fonts"
    for name in ("NotoSansSC-Regular.ttf", "SourceHanSansSC-Regular.ttf", "wqy-microhei.ttc"):
        if (bundled / name).exists():
            out.append((FontFile(bundled / name), None))
    if sys.platform.startswith("win"):
        w = _windows_fonts()
        out += [
            (FontFile(w / "simsun.ttc", 0), FontFile(w / "simhei.ttf")),
            (FontFile(w / "msyh.ttc", 0), FontFile(w / "msyhbd.ttc", 0)),
            (FontFile(w / "simhei.ttf"), None),
            (FontFile(w / "simfang.ttf"), FontFile(w / "simhei.ttf")),
        ]
    elif sys.platform == "darwin":
        out += [
            (FontFile(Path("/Library/Fonts/Arial Unicode.ttf")), None),
            (FontFile(Path("/System/Library/Fonts/Supplemental/Arial Unicode.ttf")), None),
        ]
    roots = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
    for root in roots:
        out += [
            (FontFile(root / "truetype/wqy/wqy-microhei.ttc", 0), None),
            (FontFile(root / "truetype/wqy/wqy-zenhei.ttc", 0), None),
            (FontFile(root / "wqy-microhei/wqy-microhei.ttc", 0), None),
            (FontFile(root / "wqy-zenhei/wqy-zenhei.ttc", 0), None),
            (FontFile(root / "truetype/arphic/uming.ttc", 0), FontFile(root / "truetype/arphic/ukai.ttc", 0)),
        ]
    return out


_lock = threading.Lock()
_registered: tuple[str, str] | None = None


def _load(name: str, f: FontFile) -> bool:
    if not f.path.is_file():
        return False
    try:
        pdfmetrics.registerFont(TTFont(name, str(f.path), subfontIndex=f.index))
    except Exception:  # an OpenType/CFF or damaged file: try the next one
        return False
    return True


def register_cjk_fonts() -> tuple[str, str]:
    """Register (once) and return the ReportLab names of the regular and bold Chinese fonts.

    Without a real bold face the regular one is used for headings too (rendered bolder by size).
    Raises :class:`ReportFontError` when the machine has no usable Chinese TrueType font.
    """
    global _registered
    with _lock:
        if _registered is not None:
            return _registered
        tried = []
        for regular, bold in candidates():
            tried.append(str(regular.path))
            if not _load(REGULAR, regular):
                continue
            bold_name = BOLD if bold is not None and _load(BOLD, bold) else REGULAR
            pdfmetrics.registerFontFamily(
                REGULAR, normal=REGULAR, bold=bold_name, italic=REGULAR, boldItalic=bold_name
            )
            _registered = (REGULAR, bold_name)
            return _registered
        raise ReportFontError(
            "找不到可嵌入 PDF 的中文字体，无法生成报表。"
            "Windows 请确认 C:\\Windows\\Fonts 中有宋体（simsun.ttc）或微软雅黑（msyh.ttc）；"
            "Linux 请安装 fonts-wqy-microhei；也可以用环境变量 GXQ_PDF_FONT 指定一个 TrueType 中文字体文件。"
        )


def reset_for_tests() -> None:
    global _registered
    with _lock:
        _registered = None
