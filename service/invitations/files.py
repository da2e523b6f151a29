"""The file a batch of invitations is handed out as: PDF or HTML sheets (from `cards`), or
a CSV of codes and links to print one's own cards from; its name and media type, and the
format a file name asks for."""

from __future__ import annotations

import csv
import io

from service.invitations import cards
from service.invitations.cards import Batch
from service.invitations.schemas import CardBatch, Format, Paper

CSV_COLUMNS = ("unit_path", "unit_name", "code", "link")


def csv_cell(text: str) -> str:
    # A spreadsheet would run a cell that starts like a formula; unit names are typed by people.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(batch: Batch, base_url: str) -> str:
    """unit_path, unit_name, code, link: one row per card (or open link), for printing;
    never for matching codes to named people, which would undo their anonymity."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for face in cards.faces(batch, base_url):
        writer.writerow((face.unit_path, csv_cell(face.unit_name), face.printed, face.link))
    return out.getvalue()


def cards_file(batch: Batch, fmt: Format, paper: Paper, base_url: str) -> tuple[bytes, str]:
    """The file for a batch, as (content, media type); `paper` does not matter to CSV."""
    if fmt == "pdf":
        content = cards.render_pdf(batch, base_url, paper)
    elif fmt == "html":
        content = cards.render_html(batch, base_url, paper).encode()
    else:
        content = render_csv(batch, base_url).encode()
    return content, cards.MEDIA_TYPES[fmt]


def file_name(batch: Batch, fmt: Format) -> str:
    kind = "cards" if isinstance(batch, CardBatch) else "open-links"
    return f"muster-{kind}-wave-{batch.wave.wave_id}.{fmt}"


def format_for_name(name: str) -> Format | None:
    """The format a file name asks for by its extension (cards.pdf, sheet.HTML), or None."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for fmt in cards.MEDIA_TYPES:
        if suffix == fmt or (fmt == "html" and suffix == "htm"):
            return fmt
    return None
