"""PDF preview in the program (QtPdf) with printing through the system print dialog and 另存为.

    PdfPreviewDialog(pdf_bytes, suggested_name="企业信用档案.pdf", parent=self).exec()

Printing renders each page with QtPdf at the printer's resolution and paints it onto the printer's
pages, so no external PDF viewer is needed on the workstation.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QSize, QStandardPaths, Qt
from PySide6.QtGui import QImage, QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.reports.enterprise_profile import write_pdf


class PdfPreviewDialog(QDialog):
    def __init__(
        self, data: bytes, *, title: str = "", suggested_name: str = "报表.pdf", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or self.tr("打印预览"))
        self.resize(900, 1000)
        self.data = data
        self.suggested_name = suggested_name
        self._bytes = QByteArray(data)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

        self.pages_label = QLabel(self.tr("共 {n} 页").format(n=self.document.pageCount()))
        self.print_button = QPushButton(self.tr("打印…"))
        self.print_button.setDefault(True)
        self.save_button = QPushButton(self.tr("另存为…"))
        self.zoom_in = QPushButton(self.tr("放大"))
        self.zoom_out = QPushButton(self.tr("缩小"))
        self.fit = QPushButton(self.tr("适合宽度"))
        close = QPushButton(self.tr("关闭"))
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as)
        self.zoom_in.clicked.connect(lambda: self._zoom(1.25))
        self.zoom_out.clicked.connect(lambda: self._zoom(0.8))
        self.fit.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_document)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, activated=lambda: self._zoom(1.25))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, activated=lambda: self._zoom(0.8))

        bar = QHBoxLayout()
        for w in (self.print_button, self.save_button, self.zoom_out, self.zoom_in, self.fit):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.pages_label)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(4.0, self.view.zoomFactor() * factor)))

    def save_as(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存 PDF"), str(Path(folder) / self.suggested_name), self.tr("PDF 文件 (*.pdf)")
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            write_pdf(self.data, path)
        except OSError as exc:
            QMessageBox.warning(
                self,
                self.tr("无法保存"),
                self.tr("无法写入文件“{path}”：{err}。请检查文件是否已被打开、磁盘空间和写入权限。").format(
                    path=path, err=exc.strerror or exc
                ),
            )
            return
        QMessageBox.information(self, self.tr("已保存"), self.tr("已保存到：{path}").format(path=path))

    def make_printer(self) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.suggested_name)
        printer.setFromTo(1, max(1, self.document.pageCount()))
        return printer

    def print_document(self) -> None:
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Paint the pages onto ``printer``; returns the number of pages printed."""
        count = self.document.pageCount()
        first, last = printer.fromPage() or 1, printer.toPage() or count
        first, last = max(1, first), min(count, last)
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, self.tr("无法打印"), self.tr("打印机没有响应，请检查打印机后重试。"))
            return 0
        printed = 0
        try:
            dpi = printer.resolution()
            target = printer.pageLayout().paintRectPixels(dpi)
            for page in range(first - 1, last):
                if printed:
                    printer.newPage()
                points = self.document.pagePointSize(page)
                scale = min(target.width() / points.width(), target.height() / points.height())
                size = QSize(int(points.width() * scale), int(points.height() * scale))
                image: QImage = self.document.render(page, size)
                painter.drawImage(QPointF(0, 0), image)
                printed += 1
        finally:
            painter.end()
        return printed

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)
