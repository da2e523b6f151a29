"""The handout as a PDF (fpdf2): one or two A4 or Letter pages for a notice board.

A pure function of a CrewsReport: scores with their ranges, changes since the wave before
with their verdicts, the actions with the change since each began, the plain-language
panel and the program's resources. Built-in fonts only, so it renders the same anywhere.
"""

from __future__ import annotations

from typing import Any, Literal

from service.crews.service import CrewsReport
from service.i18n import N_, gettext, long_date

Paper = Literal["a4", "letter"]
INK = (27, 31, 36)
MUTED = (74, 85, 96)
RULE = (201, 209, 217)
# Characters the built-in fonts (Latin-1 in fpdf2) lack, in characters they have.
_PLAIN = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2018": "'",
                        "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...",
                        "\u25b2": "", "\u25bc": "", "\u2265": ">=", "\u2264": "<=",
                        "\u2248": "about ", "\u03b5": "epsilon "})  # fmt: skip

# Marked N_, shown with gettext: the handout is in the language of the request that asks.
PANEL = (
    N_("Ranges: 3.4 (3.2-3.6) means our best estimate is 3.4 and the true value lies between "
       "3.2 and 3.6 with 95% confidence."),
    N_("Noise: before anything is shown, a small, measured amount of random noise is added, so "
       "nobody can work out how one person answered. The ranges already include it."),
    N_("Small units roll up: a value with too few responses is not shown; those answers still "
       "count in the units above."),
    N_("Changes: a change is called better or worse only when its range excludes zero, that is "
       "when it is larger than the noise."),
)  # fmt: skip


def _text(value: str) -> str:
    cleaned = "".join(ch for ch in value.translate(_PLAIN) if ch.isprintable())
    return cleaned.encode("latin-1", "replace").decode("latin-1")


class _Sheet:
    """Text laid out with fpdf2's single-line `cell`, wrapped here: `multi_cell` does the
    same for several times the cost (bench/crews.py)."""

    def __init__(self, paper: Paper) -> None:
        from fpdf import FPDF  # only on demand: see service/invitations/cards.py's _PdfSheet

        self.pdf = FPDF(format="A4" if paper == "a4" else "Letter")
        self.pdf.set_margins(16, 14, 16)
        self.pdf.set_auto_page_break(auto=True, margin=14)
        self.pdf.add_page()

    def _wrap(self, text: str, width: float) -> list[str]:
        measure = self.pdf.get_string_width
        space = measure(" ")
        lines: list[str] = []
        words: list[str] = []
        used = 0.0
        for word in text.split():
            size = measure(word)
            if words and used + space + size > width:
                lines.append(" ".join(words))
                words, used = [word], size
            else:
                used += (space if words else 0.0) + size
                words.append(word)
        if words:
            lines.append(" ".join(words))
        return lines or [""]

    def _room(self, height: float) -> None:
        if self.pdf.get_y() + height > self.pdf.page_break_trigger:
            self.pdf.add_page()

    def line(self, text: str, size: float = 10, style: str = "", colour: tuple[int, ...] = INK,
             gap: float = 1.0) -> None:  # fmt: skip
        pdf = self.pdf
        pdf.set_font("helvetica", style, size)
        pdf.set_text_color(*colour)
        height = size * 0.47
        for part in self._wrap(_text(text), pdf.epw):
            self._room(height)
            pdf.cell(0, height, part, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def heading(self, text: str) -> None:
        self.pdf.ln(2)
        self._room(14)
        self.line(text, 13, "B", gap=0.5)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(*RULE)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(1.5)

    def row(self, cells: list[str], shares: list[float], bold: bool = False) -> None:
        """One table row: each cell wrapped in its share of the page width."""
        pdf = self.pdf
        pdf.set_font("helvetica", "B" if bold else "", 9)
        pdf.set_text_color(*INK)
        height = 4.4
        widths = [pdf.epw * share / sum(shares) for share in shares]
        wrapped = [
            self._wrap(_text(cell), width - 2) for cell, width in zip(cells, widths, strict=True)
        ]
        self._room(height * max(len(w) for w in wrapped))
        top, x = pdf.get_y(), pdf.l_margin
        for lines, width in zip(wrapped, widths, strict=True):
            for i, part in enumerate(lines):
                pdf.set_xy(x, top + i * height)
                pdf.cell(width, height, part)
            x += width
        pdf.set_xy(pdf.l_margin, top + height * max(len(w) for w in wrapped) + 0.8)


def handout_pdf(report: CrewsReport, paper: Paper = "a4") -> bytes:
    sheet = _Sheet(paper)
    unit = report.unit
    sheet.line(gettext("You said, we did"), 11, "B", MUTED, gap=0)
    sheet.line(unit.name, 20, "B", gap=0.5)
    sheet.line(f"{report.program_name} - {report.wave_words}", 10, "", MUTED, gap=2)
    if report.participation:
        sheet.line(gettext("Who answered: %(people)s.", people=report.participation), 10)

    sheet.heading(gettext("What the survey showed"))
    if report.absent:
        sheet.line(gettext("%(unit)s was not part of this wave.", unit=unit.name))
    elif not report.scores:
        sheet.line(gettext("No results for this wave yet."))
    widths = [34.0, 26.0, 40.0]
    if report.scores:
        previous = report.previous
        since = (
            gettext("Change since wave %(seq)s", seq=previous.seq)
            if previous
            else gettext("Change")
        )
        sheet.row([gettext("Scale"), gettext("Score (95% range)"), since], widths, bold=True)
    for score in report.scores:
        line = score.line
        change = line.change + (f", {line.verdict}" if line.verdict else "")
        sheet.row([line.scale.name, line.mean, change], widths)
        if line.scale.description and score.shown:
            sheet.line(line.scale.description, 8, "I", MUTED, gap=0.5)

    sheet.heading(gettext("What leadership is doing"))
    if not report.effects:
        sheet.line(gettext("Nothing recorded yet for this unit."))
    for effect in report.effects:
        action = effect.action
        began = long_date(action.started_on)  # type: ignore[arg-type]  # a date has day, month, year
        sheet.line(f"{effect.mark}. {action.title}", 11, "B", gap=0)
        if action.owner:
            sheet.line(gettext("Began %(date)s - led by %(owner)s", date=began, owner=action.owner),
                       9, "", MUTED, gap=0.5)  # fmt: skip
        else:
            sheet.line(gettext("Began %(date)s", date=began), 9, "", MUTED, gap=0.5)
        if action.description:
            sheet.line(action.description, 10, gap=0.5)
        for moved in effect.lines:
            sheet.line(_moved(moved), 9, gap=0.3)
        if effect.note:
            sheet.line(effect.note, 9, "I", MUTED)

    if report.resources:
        sheet.heading(gettext("Help and contacts"))
        for resource in report.resources:
            parts = [resource.name, resource.contact or "", resource.url or ""]
            sheet.line(" - ".join(p for p in parts if p), 10, gap=0.3)

    sheet.heading(gettext("What these numbers mean"))
    for point in PANEL:
        sheet.line(gettext(point), 9, gap=0.5)
    return bytes(sheet.pdf.output())


def _moved(moved: Any) -> str:
    """One scale's change since an action began, as a sentence."""
    values = {"scale": moved.scale.name, "before": moved.before, "after": moved.after,
              "change": moved.change, "verdict": moved.verdict}  # fmt: skip
    if moved.verdict:
        return gettext(
            "%(scale)s: %(before)s before, %(after)s after; change %(change)s, %(verdict)s.",
            **values,
        )
    return gettext("%(scale)s: %(before)s before, %(after)s after; change %(change)s.", **values)
