"""Printable invitation cards: PDF and HTML sheets, and a CSV of links.

Pure functions of a batch: no database, no settings, no logging. The file they return
is the only place the plain codes ever exist, so nothing here keeps, caches or logs one.

Cards are business-card sized, ten to a page in two columns of five, with cut marks in
the margin on every cut line. A4 takes 85 x 55 mm cards (the ISO size), US Letter the
US size, 3.5 x 2 in, so that five rows leave a printable margin on both. Each card shows
the program, the unit, the wave's dates, a QR code, the code in groups of four, the
address to type, and one line on anonymity, in English and French. Nothing else: no
serial number, nothing that tells one card from another except its code.

A card's QR code and link carry the code in the URL fragment (`/s/<survey_key>#<CODE>`),
which browsers never send to the server; an open link carries `#open-<TOKEN>`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import segno

from service.invitations.codes import GROUP, normalise
from service.invitations.schemas import CardBatch, Format, OpenLinkBatch, Paper

Batch = CardBatch | OpenLinkBatch

COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
OPEN_PREFIX = "open-"
MEDIA_TYPES: dict[Format, str] = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_FR = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)

CODE_LABEL = "Your code · Votre code"
OPEN_CODE_LABEL = "Unit code · Code de l'unité"
URL_LABEL = "No camera? Go to · Sans caméra ? Allez à"
CARD_NOTE = (
    "Anonymous: this card is not linked to you. Use it once.",
    "Anonyme : cette carte n'est pas liée à vous. Une seule utilisation.",
)
OPEN_NOTE = (
    "Anonymous: one link for your whole unit. Answer once.",
    "Anonyme : un seul lien pour toute l'unité. Répondez une fois.",
)

MM_PER_PT = 25.4 / 72
# Cut marks: hairlines in the margin on every cut line, stopping short of the cards.
MARK_GAP, MARK_LENGTH, MARK_WIDTH = 1.5, 5.0, 0.2
URL_PT = 6.5
# Courier and the usual monospaced fonts advance 0.6 em per character.
MONO_ADVANCE = 0.6


@dataclass(frozen=True)
class PaperSpec:
    fpdf_format: str
    css_size: str
    width: float
    height: float
    card_width: float
    card_height: float

    @property
    def left(self) -> float:
        return (self.width - COLUMNS * self.card_width) / 2

    @property
    def top(self) -> float:
        return (self.height - ROWS * self.card_height) / 2


PAPERS: dict[Paper, PaperSpec] = {
    "a4": PaperSpec("A4", "A4", 210.0, 297.0, 85.0, 55.0),
    "letter": PaperSpec("Letter", "letter", 215.9, 279.4, 88.9, 50.8),
}


@dataclass(frozen=True)
class Layout:
    """Where things sit on a card, in mm from its top-left corner; shared by PDF and HTML."""

    pad: float = 4.0
    title_size: float = 8.5
    unit_size: float = 8.0
    small_size: float = 6.0
    note_size: float = 5.5
    label_size: float = 5.5
    url_size: float = URL_PT
    line: float = 1.25  # line height, as a multiple of the font size

    def height(self, size_pt: float) -> float:
        return size_pt * MM_PER_PT * self.line


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    pad: float
    inner: float
    title_y: float
    unit_y: float
    dates_y: float
    qr_x: float
    qr_y: float
    qr_size: float
    col_x: float
    col_width: float
    foot_y: float


def geometry(paper: Paper, layout: Layout = Layout()) -> Geometry:
    spec = PAPERS[paper]
    w, h, pad = spec.card_width, spec.card_height, layout.pad
    title_y = pad
    unit_y = title_y + layout.height(layout.title_size)
    dates_y = unit_y + layout.height(layout.unit_size)
    qr_y = dates_y + layout.height(layout.small_size) + 1.0
    foot_y = h - pad - 2 * layout.height(layout.note_size)
    qr_size = min(foot_y - 0.8 - qr_y, 30.0)
    col_x = pad + qr_size + 2.0
    return Geometry(
        width=w,
        height=h,
        pad=pad,
        inner=w - 2 * pad,
        title_y=title_y,
        unit_y=unit_y,
        dates_y=dates_y,
        qr_x=pad,
        qr_y=qr_y,
        qr_size=qr_size,
        col_x=col_x,
        col_width=w - pad - col_x,
        foot_y=foot_y,
    )


# --- what each card says ------------------------------------------------------------------


@dataclass(frozen=True)
class Face:
    unit_path: str
    unit_name: str
    # As a person types it: the code in groups of four (open links: prefixed "open-").
    printed: str
    code_rows: tuple[str, ...]
    link: str


def survey_url(base_url: str, survey_key: str) -> str:
    """The address to type: the wave's survey page."""
    return f"{base_url.rstrip('/')}/s/{survey_key}"


def typed_url(base_url: str) -> str:
    """The address printed for typing: short, the same for every wave (the code finds its
    survey there); the QR code carries the full link."""
    return f"{base_url.rstrip('/')}/c"


def card_link(base_url: str, survey_key: str, code: str) -> str:
    """A card's link: the code rides in the fragment, which never reaches the server."""
    return f"{survey_url(base_url, survey_key)}#{normalise(code)}"


def open_link(base_url: str, survey_key: str, token: str) -> str:
    return f"{survey_url(base_url, survey_key)}#{OPEN_PREFIX}{normalise(token)}"


def _groups(code: str) -> list[str]:
    plain = normalise(code)
    return [plain[i : i + GROUP] for i in range(0, len(plain), GROUP)]


def faces(batch: Batch, base_url: str) -> list[Face]:
    key = batch.wave.survey_key
    if isinstance(batch, CardBatch):
        out = []
        for card in batch.cards:
            groups = _groups(card.code)
            out.append(
                Face(
                    unit_path=card.unit_path,
                    unit_name=card.unit_name,
                    printed="-".join(groups),
                    code_rows=(" ".join(groups[:4]), " ".join(groups[4:])),
                    link=card_link(base_url, key, card.code),
                )
            )
        return out
    out = []
    for link in batch.links:
        groups = _groups(link.token)
        out.append(
            Face(
                unit_path=link.unit_path,
                unit_name=link.unit_name,
                printed=OPEN_PREFIX + "-".join(groups),
                code_rows=(OPEN_PREFIX + " ".join(groups[:3]), " ".join(groups[3:])),
                link=open_link(base_url, key, link.token),
            )
        )
    return out


def date_lines(opens_at: datetime, closes_at: datetime) -> tuple[str, str]:
    """("Open 16 Nov – 30 Nov 2026", "Ouvert 16 nov. – 30 nov. 2026"), in UTC.

    A wave that closes at midnight was last open the day before, so the end date is the
    day of the last instant the wave is open.
    """
    start = opens_at.astimezone(UTC).date()
    end = max((closes_at - timedelta(microseconds=1)).astimezone(UTC).date(), start)

    def day(d: Any, months: Sequence[str], year: bool) -> str:
        return f"{d.day} {months[d.month - 1]}" + (f" {d.year}" if year else "")

    both_years = start.year != end.year
    en = f"Open {day(start, MONTHS_EN, both_years)} – {day(end, MONTHS_EN, True)}"
    fr = f"Ouvert {day(start, MONTHS_FR, both_years)} – {day(end, MONTHS_FR, True)}"
    return en, fr


def _notes(batch: Batch) -> tuple[str, str]:
    return CARD_NOTE if isinstance(batch, CardBatch) else OPEN_NOTE


def _code_label(batch: Batch) -> str:
    return CODE_LABEL if isinstance(batch, CardBatch) else OPEN_CODE_LABEL


class _QrMaker:
    """QR codes for the links of one batch.

    Error correction M survives a bent or smudged card; no boost, so every card of a batch
    gets the same symbol size. segno picks the mask (the pattern that keeps a symbol free of
    large blocks and finder look-alikes) for the first link by scoring all eight, which is
    four fifths of the cost of a symbol; the rest of the batch reuses that mask. Links of a
    batch differ only in their random codes, so the mask that suits one suits them all.
    """

    def __init__(self) -> None:
        self.mask: int | None = None

    def make(self, link: str) -> Any:
        qr = segno.make_qr(link, error="m", boost_error=False, mask=self.mask)
        if self.mask is None:
            self.mask = qr.mask
        return qr


def _code_size(rows: Sequence[str], width: float) -> float:
    """The largest monospaced size, at most 12 pt, that fits the longest row in `width` mm."""
    longest = max(len(row) for row in rows)
    return min(12.0, width / (longest * MONO_ADVANCE * MM_PER_PT))


def _url_lines(url: str, width: float, size_pt: float) -> list[str]:
    """The address in lines that fit `width`, broken after a '/' where one is near the end."""
    per_line = max(8, int(width / (size_pt * MONO_ADVANCE * MM_PER_PT)))
    lines = []
    while len(url) > per_line:
        cut = url.rfind("/", 0, per_line) + 1
        if cut < per_line // 2:
            cut = per_line
        lines.append(url[:cut])
        url = url[cut:]
    return [*lines, url]


def _title(batch: Batch) -> str:
    kind = "Invitation cards" if isinstance(batch, CardBatch) else "Open links"
    return f"{kind} · {batch.wave.program_name} · wave {batch.wave.seq}"


# --- PDF -----------------------------------------------------------------------------------


def _pdf_text(text: str) -> str:
    # The PDF's built-in fonts cover Windows-1252 (Latin, with – · ’ œ €); anything else
    # prints as "?" rather than failing the whole sheet.
    cleaned = "".join(ch for ch in text if ch.isprintable())
    return cleaned.encode("cp1252", "replace").decode("cp1252")


def _draw_qr(
    pdf: Any, matrix: Sequence[bytes | bytearray], x: float, y: float, size: float
) -> None:
    """The QR code as filled rectangles, one per run of dark modules in a row.

    Written as raw PDF operators in module coordinates (one `cm` transform): fpdf2's
    rect() costs far more per call, and a sheet of 2,000 cards has about a million runs.
    """
    n = len(matrix)
    quiet = 2  # modules of white inside the square; the card's margin adds the rest
    module = size / (n + 2 * quiet) * pdf.k
    left = x * pdf.k + quiet * module
    top = (pdf.h - y) * pdf.k - quiet * module
    ops = [f"q 0 g {module:.4f} 0 0 {-module:.4f} {left:.3f} {top:.3f} cm"]
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{start} {r} {c - start} 1 re")
            else:
                c += 1
    ops.append("f Q")
    # fpdf2 has no public call for raw content; _out appends to the current page's stream.
    pdf._out("\n".join(ops))


class _PdfSheet:
    """One PDF being drawn: the page geometry, the batch's shared lines, fitted text."""

    def __init__(self, batch: Batch, base_url: str, paper: Paper) -> None:
        self.spec, self.layout = PAPERS[paper], Layout()
        self.g = geometry(paper, self.layout)
        # Imported here: fpdf2 (with fontTools) takes a second of CPU to import, which every
        # server worker would spend at start-up for the few requests that print.
        from fpdf import FPDF

        self.pdf = FPDF(orientation="portrait", unit="mm", format=self.spec.fpdf_format)
        self.pdf.core_fonts_encoding = "windows-1252"
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.set_title(_pdf_text(_title(batch)))
        self.pdf.set_creator("Muster")
        self.pdf.set_text_color(0)
        self.pdf.set_draw_color(0)
        en, fr = date_lines(batch.wave.opens_at, batch.wave.closes_at)
        self.program = batch.wave.program_name
        self.dates = f"{en} · {fr}"
        self.url_lines = _url_lines(typed_url(base_url), self.g.col_width, self.layout.url_size)
        self.notes, self.label = _notes(batch), _code_label(batch)
        self.qr = _QrMaker()
        self._fitted: dict[tuple[str, str, float, float], str] = {}

    def fit(self, text: str, style: str, size: float, width: float) -> str:
        """`text` cut with an ellipsis to fit `width` mm in helvetica `style` at `size` pt."""
        key = (text, style, size, width)
        if key not in self._fitted:
            self.pdf.set_font("helvetica", style, size)
            fitted = _pdf_text(text)
            if self.pdf.get_string_width(fitted) > width:
                while fitted and self.pdf.get_string_width(fitted + "…") > width:
                    fitted = fitted[:-1]
                fitted = fitted.rstrip() + "…"
            self._fitted[key] = fitted
        return self._fitted[key]

    def text(
        self, x: float, y: float, width: float, text: str, size: float, style: str = ""
    ) -> None:
        fitted = self.fit(text, style, size, width)
        self.pdf.set_font("helvetica", style, size)
        self.pdf.set_xy(x, y)
        self.pdf.cell(width, self.layout.height(size), fitted)

    def cut_marks(self, cards_on_page: int) -> None:
        spec, pdf = self.spec, self.pdf
        rows = math.ceil(cards_on_page / COLUMNS)
        cols = min(cards_on_page, COLUMNS)
        left, top = spec.left, spec.top
        right, bottom = left + cols * spec.card_width, top + rows * spec.card_height
        gap = MARK_GAP
        length = min(MARK_LENGTH, spec.left - gap - 1.0, spec.top - gap - 1.0)
        pdf.set_line_width(MARK_WIDTH)
        for i in range(cols + 1):
            x = left + i * spec.card_width
            pdf.line(x, top - gap - length, x, top - gap)
            pdf.line(x, bottom + gap, x, bottom + gap + length)
        for j in range(rows + 1):
            y = top + j * spec.card_height
            pdf.line(left - gap - length, y, left - gap, y)
            pdf.line(right + gap, y, right + gap + length, y)

    def card(self, face: Face, x0: float, y0: float) -> None:
        g, layout, pdf = self.g, self.layout, self.pdf
        self.text(x0 + g.pad, y0 + g.title_y, g.inner, self.program, layout.title_size, "B")
        self.text(x0 + g.pad, y0 + g.unit_y, g.inner, face.unit_name, layout.unit_size)
        self.text(x0 + g.pad, y0 + g.dates_y, g.inner, self.dates, layout.small_size)
        _draw_qr(pdf, self.qr.make(face.link).matrix, x0 + g.qr_x, y0 + g.qr_y, g.qr_size)

        x, y = x0 + g.col_x, y0 + g.qr_y + 0.6
        self.text(x, y, g.col_width, self.label, layout.label_size)
        y += layout.height(layout.label_size)
        size = _code_size(face.code_rows, g.col_width)
        pdf.set_font("courier", "B", size)
        for row in face.code_rows:
            pdf.set_xy(x, y)
            pdf.cell(g.col_width, layout.height(size), row)
            y += layout.height(size)
        y += 1.0
        self.text(x, y, g.col_width, URL_LABEL, layout.label_size)
        y += layout.height(layout.label_size)
        pdf.set_font("courier", "", layout.url_size)
        for part in self.url_lines:
            pdf.set_xy(x, y)
            pdf.cell(g.col_width, layout.height(layout.url_size), _pdf_text(part))
            y += layout.height(layout.url_size)

        foot = y0 + g.foot_y
        self.text(x0 + g.pad, foot, g.inner, self.notes[0], layout.note_size, "B")
        foot += layout.height(layout.note_size)
        self.text(x0 + g.pad, foot, g.inner, self.notes[1], layout.note_size)


def render_pdf(batch: Batch, base_url: str, paper: Paper) -> bytes:
    """A PDF of cards, ten to a page, with cut marks; the page is exactly A4 or US Letter."""
    sheet = _PdfSheet(batch, base_url, paper)
    spec = sheet.spec
    all_faces = faces(batch, base_url)
    for start in range(0, max(len(all_faces), 1), PER_PAGE):
        sheet.pdf.add_page()
        page = all_faces[start : start + PER_PAGE]
        if page:
            sheet.cut_marks(len(page))
        for index, face in enumerate(page):
            x0 = spec.left + (index % COLUMNS) * spec.card_width
            y0 = spec.top + (index // COLUMNS) * spec.card_height
            sheet.card(face, x0, y0)
    return bytes(sheet.pdf.output())


# --- HTML ----------------------------------------------------------------------------------


def _css(spec: PaperSpec, g: Geometry, layout: Layout) -> str:
    def mm(value: float) -> str:
        return f"{value:.2f}mm"

    return f"""
@page {{ size: {spec.css_size}; margin: 0; }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; padding: 0; }}
body {{ background: #6b6b6b; color: #000; font-family: Helvetica, Arial, sans-serif;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
.sheet {{ position: relative; width: {mm(spec.width)}; height: {mm(spec.height)};
  margin: 8mm auto; background: #fff; overflow: hidden;
  break-after: page; page-break-after: always; }}
.sheet:last-child {{ break-after: auto; page-break-after: auto; }}
@media print {{ body {{ background: none; }} .sheet {{ margin: 0; }} }}
.mark {{ position: absolute; background: #000; }}
.card {{ position: absolute; width: {mm(g.width)}; height: {mm(g.height)}; overflow: hidden; }}
.card p {{ position: absolute; margin: 0; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; line-height: {layout.line}; }}
.head, .foot {{ left: {mm(g.pad)}; width: {mm(g.inner)}; }}
.program {{ top: {mm(g.title_y)}; font-size: {layout.title_size}pt; font-weight: bold; }}
.unit {{ top: {mm(g.unit_y)}; font-size: {layout.unit_size}pt; }}
.dates {{ top: {mm(g.dates_y)}; font-size: {layout.small_size}pt; }}
.qr {{ position: absolute; left: {mm(g.qr_x)}; top: {mm(g.qr_y)};
  width: {mm(g.qr_size)}; height: {mm(g.qr_size)}; }}
.qr svg {{ display: block; width: 100%; height: 100%; shape-rendering: crispEdges; }}
.col {{ position: absolute; left: {mm(g.col_x)}; top: {mm(g.qr_y + 0.6)};
  width: {mm(g.col_width)}; }}
.col div {{ line-height: {layout.line}; white-space: nowrap; }}
.label {{ font-size: {layout.label_size}pt; }}
.code {{ font-family: "Courier New", Courier, "Liberation Mono", "DejaVu Sans Mono", monospace;
  font-weight: bold; }}
.url {{ font-family: "Courier New", Courier, "Liberation Mono", "DejaVu Sans Mono", monospace;
  font-size: {layout.url_size}pt; white-space: normal !important; word-break: break-all;
  margin-top: 0; }}
.gap {{ margin-top: 1mm; }}
.foot1 {{ top: {mm(g.foot_y)}; font-size: {layout.note_size}pt; font-weight: bold; }}
.foot2 {{ top: {mm(g.foot_y + layout.height(layout.note_size))}; font-size: {layout.note_size}pt; }}
""".strip()


def _html_marks(spec: PaperSpec, cards_on_page: int) -> list[str]:
    rows = math.ceil(cards_on_page / COLUMNS)
    cols = min(cards_on_page, COLUMNS)
    left, top = spec.left, spec.top
    right, bottom = left + cols * spec.card_width, top + rows * spec.card_height
    gap, thick = MARK_GAP, MARK_WIDTH
    length = min(MARK_LENGTH, spec.left - gap - 1.0, spec.top - gap - 1.0)

    def mark(x: float, y: float, w: float, h: float) -> str:
        return (
            f'<div class="mark" style="left:{x:.2f}mm;top:{y:.2f}mm;'
            f'width:{w:.2f}mm;height:{h:.2f}mm"></div>'
        )

    out = []
    for i in range(cols + 1):
        x = left + i * spec.card_width - thick / 2
        out.append(mark(x, top - gap - length, thick, length))
        out.append(mark(x, bottom + gap, thick, length))
    for j in range(rows + 1):
        y = top + j * spec.card_height - thick / 2
        out.append(mark(left - gap - length, y, length, thick))
        out.append(mark(right + gap, y, length, thick))
    return out


def _html_card(
    qr: _QrMaker,
    face: Face,
    head: tuple[str, str, str],
    notes: tuple[str, str],
    code_label: str,
    g: Geometry,
    x0: float,
    y0: float,
) -> str:
    program, dates = html.escape(head[0]), html.escape(head[1])
    url = "<br>".join(html.escape(part) for part in _url_lines(head[2], g.col_width, URL_PT))
    svg = qr.make(face.link).svg_inline(
        border=2, omitsize=True, title=face.link, svgclass=None, lineclass=None, dark="#000"
    )
    size = _code_size(face.code_rows, g.col_width)
    rows = "".join(
        f'<div class="code" style="font-size:{size:.2f}pt">{html.escape(row)}</div>'
        for row in face.code_rows
    )
    return (
        f'<section class="card" style="left:{x0:.2f}mm;top:{y0:.2f}mm">'
        f'<p class="head program">{program}</p>'
        f'<p class="head unit">{html.escape(face.unit_name)}</p>'
        f'<p class="head dates">{dates}</p>'
        f'<div class="qr">{svg}</div>'
        f'<div class="col"><div class="label">{html.escape(code_label)}</div>{rows}'
        f'<div class="label gap">{html.escape(URL_LABEL)}</div>'
        f'<div class="url">{url}</div></div>'
        f'<p class="foot foot1">{html.escape(notes[0])}</p>'
        f'<p class="foot foot2">{html.escape(notes[1])}</p>'
        "</section>"
    )


def render_html(batch: Batch, base_url: str, paper: Paper) -> str:
    """A self-contained, print-ready sheet: inline SVG QR codes, one <style>, no requests."""
    spec, layout = PAPERS[paper], Layout()
    g = geometry(paper, layout)
    en, fr = date_lines(batch.wave.opens_at, batch.wave.closes_at)
    head = (batch.wave.program_name, f"{en} · {fr}", typed_url(base_url))
    notes, label = _notes(batch), _code_label(batch)
    all_faces = faces(batch, base_url)
    qr = _QrMaker()
    sheets = []
    for start in range(0, len(all_faces), PER_PAGE):
        page = all_faces[start : start + PER_PAGE]
        parts = _html_marks(spec, len(page))
        for index, face in enumerate(page):
            x0 = spec.left + (index % COLUMNS) * spec.card_width
            y0 = spec.top + (index // COLUMNS) * spec.card_height
            parts.append(_html_card(qr, face, head, notes, label, g, x0, y0))
        sheets.append('<div class="sheet">' + "".join(parts) + "</div>")
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        # Opened from disk or a mail attachment, the sheet loads nothing from anywhere.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">\n"
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(_title(batch))}</title>\n"
        f"<style>\n{_css(spec, g, layout)}\n</style>\n</head>\n<body>\n"
        + "\n".join(sheets)
        + "\n</body>\n</html>\n"
    )
