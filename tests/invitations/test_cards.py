"""Rendering: pure functions of a batch, tested without a database."""

from __future__ import annotations

import csv
import io
import math
import re
import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import segno

from service.invitations import cards, files
from service.invitations.codes import new_code, normalise
from service.invitations.schemas import Card, CardBatch, CardWave, OpenLink, OpenLinkBatch
from tests.factories import BASE_URL

WAVE = CardWave(
    wave_id=7,
    seq=3,
    program_name="Culture survey – Cœur de la caserne",
    opens_at=datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
    closes_at=datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
    survey_key="0123456789abcdef0123456789abcdef",
)
SURVEY = f"{BASE_URL}/s/{WAVE.survey_key}"


def card_batch(n: int, unit_name: str = "Station 7 — Shift A") -> CardBatch:
    return CardBatch(
        wave=WAVE,
        cards=[
            Card(unit_path="county/b1/s7/a", unit_name=unit_name, code=new_code()) for _ in range(n)
        ],
    )


def link_batch(n: int) -> OpenLinkBatch:
    return OpenLinkBatch(
        wave=WAVE,
        links=[
            OpenLink(
                unit_path=f"county/s{i}", unit_name=f"Station {i}", token=new_code(), replaced=False
            )
            for i in range(n)
        ],
    )


# --- reading a PDF back ----------------------------------------------------------------------


def pdf_streams(pdf: bytes) -> list[str]:
    streams = re.findall(rb"stream\n(.*?)\nendstream", pdf, re.DOTALL)
    out = []
    for raw in streams:
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(raw.decode("latin-1"))
    return out


def pdf_page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def pdf_media_box(pdf: bytes) -> tuple[float, ...]:
    [box] = set(re.findall(rb"/MediaBox \[([^\]]*)\]", pdf))
    return tuple(float(v) for v in box.split())


def pdf_qr_matrices(page: str) -> list[list[list[int]]]:
    """Every QR code drawn on a page, rebuilt module by module from its rectangles."""
    matrices = []
    for body in re.findall(r"q 0 g [^\n]* cm\n(.*?)\nf Q", page, re.DOTALL):
        runs = [tuple(map(int, m)) for m in re.findall(r"(\d+) (\d+) (\d+) 1 re", body)]
        size = max(start + length for start, _, length in runs)
        size = max(size, max(row for _, row, _ in runs) + 1)
        matrix = [[0] * size for _ in range(size)]
        for start, row, length in runs:
            for col in range(start, start + length):
                matrix[row][col] = 1
        matrices.append(matrix)
    return matrices


def qr_matrix(link: str, mask: int | None = None) -> list[list[int]]:
    qr = segno.make_qr(link, error="m", boost_error=False, mask=mask)
    return [list(row) for row in qr.matrix]


# --- PDF ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paper", "box"),
    [("a4", (0.0, 0.0, 595.28, 841.89)), ("letter", (0.0, 0.0, 612.0, 792.0))],
)
@pytest.mark.parametrize("n", [1, 10, 11, 25])
def test_the_pdf_has_ten_cards_a_page_on_the_chosen_paper(
    paper: Any, box: tuple[float, ...], n: int
) -> None:
    pdf = cards.render_pdf(card_batch(n), BASE_URL, paper)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pdf_page_count(pdf) == math.ceil(n / 10)
    assert pdf_media_box(pdf) == pytest.approx(box, abs=0.01)


def test_every_qr_code_in_the_pdf_encodes_its_cards_link() -> None:
    batch = card_batch(12)
    pdf = cards.render_pdf(batch, BASE_URL, "a4")
    drawn = [m for page in pdf_streams(pdf) for m in pdf_qr_matrices(page)]
    assert len(drawn) == 12
    links = [cards.card_link(BASE_URL, WAVE.survey_key, card.code) for card in batch.cards]
    mask = segno.make_qr(links[0], error="m", boost_error=False).mask
    assert drawn[0] == qr_matrix(links[0])
    for matrix, link in zip(drawn, links, strict=True):
        assert matrix == qr_matrix(link, mask)


def test_the_pdf_prints_each_code_in_groups_of_four() -> None:
    batch = card_batch(3)
    text = "\n".join(pdf_streams(cards.render_pdf(batch, BASE_URL, "letter")))
    for card in batch.cards:
        groups = card.code.split("-")
        assert f"({' '.join(groups[:4])})" in text
        assert f"({' '.join(groups[4:])})" in text


@pytest.mark.parametrize(("n", "marks"), [(10, 18), (3, 12), (1, 8)])
def test_the_pdf_has_cut_marks_on_every_cut_line(n: int, marks: int) -> None:
    # Two per vertical cut line (above and below), two per horizontal one (left and right).
    pdf = cards.render_pdf(card_batch(n), BASE_URL, "a4")
    page = pdf_streams(pdf)[0]
    assert len(re.findall(r" l S\b", page)) == marks


def test_text_outside_the_pdf_fonts_prints_as_a_question_mark() -> None:
    pdf = cards.render_pdf(card_batch(1, unit_name="消防署 7"), BASE_URL, "a4")
    assert "(?" in "\n".join(pdf_streams(pdf))


def test_a_long_unit_name_is_cut_to_fit_the_card() -> None:
    pdf = cards.render_pdf(card_batch(1, unit_name="Station " + "x" * 300), BASE_URL, "a4")
    text = "\n".join(pdf_streams(pdf))
    assert "x" * 300 not in text
    assert "\x85)" in text  # the ellipsis in Windows-1252


# --- HTML ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("paper", "size"), [("a4", "A4"), ("letter", "letter")])
def test_the_html_sheet_is_sized_for_its_paper(paper: Any, size: str) -> None:
    page = cards.render_html(card_batch(11), BASE_URL, paper)
    assert f"@page {{ size: {size}; margin: 0; }}" in page
    assert page.count('<div class="sheet">') == 2
    assert page.count('<section class="card"') == 11


def test_the_html_sheet_is_self_contained() -> None:
    page = cards.render_html(card_batch(2), BASE_URL, "a4")
    assert page.count("<style>") == 1
    for outside in ("<script", "src=", "href=", "url(", "@import", "<link"):
        assert outside not in page
    assert "default-src 'none'" in page


def test_every_qr_code_in_the_html_encodes_its_cards_link() -> None:
    batch = card_batch(4)
    page = cards.render_html(batch, BASE_URL, "a4")
    svgs = re.findall(r"<svg.*?</svg>", page, re.DOTALL)
    assert len(svgs) == 4
    links = [cards.card_link(BASE_URL, WAVE.survey_key, card.code) for card in batch.cards]
    mask = segno.make_qr(links[0], error="m", boost_error=False).mask
    for svg, link in zip(svgs, links, strict=True):
        assert f"<title>{link}</title>" in svg
        expected = segno.make_qr(link, error="m", boost_error=False, mask=mask)
        [drawn] = re.findall(r' d="([^"]+)"', svg)
        [wanted] = re.findall(r' d="([^"]+)"', expected.svg_inline(border=2))
        assert drawn == wanted


def test_html_cards_differ_only_by_their_code() -> None:
    batch = card_batch(2)
    page = cards.render_html(batch, BASE_URL, "a4")
    sections = re.findall(r'<section class="card" style="[^"]*">(.*?)</section>', page)
    assert len(sections) == 2
    blanked = []
    for section, card in zip(sections, batch.cards, strict=True):
        section = re.sub(r"<svg.*?</svg>", "", section)
        for group in card.code.split("-"):
            section = section.replace(group, "")
        blanked.append(section)
    assert blanked[0] == blanked[1]


def test_the_html_escapes_names() -> None:
    page = cards.render_html(card_batch(1, unit_name="<b>Station</b> & Co"), BASE_URL, "a4")
    assert "&lt;b&gt;Station&lt;/b&gt; &amp; Co" in page
    assert "<b>Station" not in page


def test_every_card_says_it_is_anonymous_in_english_and_french() -> None:
    page = cards.render_html(card_batch(1), BASE_URL, "a4")
    assert "Anonymous: this card is not linked to you. Use it once." in page
    assert "Anonyme : cette carte n&#x27;est pas liée à vous." in page
    assert "Open 16 Nov – 30 Nov 2026" in page and "Ouvert 16 nov. – 30 nov. 2026" in page


# --- CSV ----------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_card_with_the_code_in_the_fragment() -> None:
    batch = card_batch(12)
    rows = list(csv.reader(io.StringIO(files.render_csv(batch, BASE_URL))))
    assert rows[0] == ["unit_path", "unit_name", "code", "link"]
    assert len(rows) == 13
    for row, card in zip(rows[1:], batch.cards, strict=True):
        assert row[:3] == [card.unit_path, card.unit_name, card.code]
        link = urlsplit(row[3])
        assert f"{link.scheme}://{link.netloc}{link.path}" == SURVEY
        assert link.query == ""
        assert link.fragment == normalise(card.code)
        assert normalise(card.code) not in link.path


def test_an_open_links_csv_carries_open_tokens_in_the_fragment() -> None:
    batch = link_batch(3)
    rows = list(csv.reader(io.StringIO(files.render_csv(batch, BASE_URL))))
    assert len(rows) == 4
    for row, link in zip(rows[1:], batch.links, strict=True):
        assert row[2] == "open-" + link.token
        assert urlsplit(row[3]).fragment == "open-" + normalise(link.token)


def test_a_unit_name_that_looks_like_a_formula_is_defused() -> None:
    rows = list(csv.reader(io.StringIO(files.render_csv(card_batch(1, "=HYPERLINK()"), BASE_URL))))
    assert rows[1][1] == "'=HYPERLINK()"


def test_open_link_cards_render_in_every_format() -> None:
    batch = link_batch(3)
    pdf = cards.render_pdf(batch, BASE_URL, "letter")
    assert pdf_page_count(pdf) == 1
    drawn = [m for page in pdf_streams(pdf) for m in pdf_qr_matrices(page)]
    first = cards.open_link(BASE_URL, WAVE.survey_key, batch.links[0].token)
    assert drawn[0] == qr_matrix(first)
    page = cards.render_html(batch, BASE_URL, "letter")
    assert "Anonymous: one link for your whole unit." in page
    assert f"<title>{first}</title>" in page


# --- the file and the words on it ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "media_type", "start"),
    [
        ("pdf", "application/pdf", b"%PDF-"),
        ("html", "text/html; charset=utf-8", b"<!doctype html>"),
        ("csv", "text/csv; charset=utf-8", b"unit_path,unit_name,code,link"),
    ],
)
def test_cards_file_gives_content_and_media_type(fmt: Any, media_type: str, start: bytes) -> None:
    content, media = files.cards_file(card_batch(2), fmt, "a4", BASE_URL)
    assert media == media_type
    assert content.startswith(start)


@pytest.mark.parametrize(
    ("opens", "closes", "en", "fr"),
    [
        (
            datetime(2026, 11, 16, 9, tzinfo=UTC),
            datetime(2026, 11, 30, 9, tzinfo=UTC),
            "Open 16 Nov – 30 Nov 2026",
            "Ouvert 16 nov. – 30 nov. 2026",
        ),
        (
            datetime(2026, 11, 16, 9, tzinfo=UTC),
            datetime(2026, 12, 1, 0, tzinfo=UTC),
            "Open 16 Nov – 30 Nov 2026",
            "Ouvert 16 nov. – 30 nov. 2026",
        ),
        (
            datetime(2026, 12, 20, 9, tzinfo=UTC),
            datetime(2027, 1, 3, 9, tzinfo=UTC),
            "Open 20 Dec 2026 – 3 Jan 2027",
            "Ouvert 20 déc. 2026 – 3 janv. 2027",
        ),
        (
            datetime(2027, 2, 1, 9, tzinfo=UTC),
            datetime(2027, 2, 1, 9, 0, 0, 1, tzinfo=UTC),
            "Open 1 Feb – 1 Feb 2027",
            "Ouvert 1 févr. – 1 févr. 2027",
        ),
    ],
)
def test_wave_dates_read_naturally_in_both_languages(
    opens: datetime, closes: datetime, en: str, fr: str
) -> None:
    assert cards.date_lines(opens, closes) == (en, fr)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("cards.pdf", "pdf"),
        ("Sheet.HTML", "html"),
        ("x.htm", "html"),
        ("l.csv", "csv"),
        ("cards", None),
        ("cards.txt", None),
    ],
)
def test_the_format_follows_the_file_extension(name: str, fmt: str | None) -> None:
    assert files.format_for_name(name) == fmt


def test_the_printed_address_is_short_enough_to_type() -> None:
    page = cards.render_html(card_batch(2), BASE_URL, "a4")
    printed = f"{BASE_URL}/c"
    assert printed in page
    assert WAVE.survey_key not in page.replace(SURVEY, "")  # only inside the QR links
    assert len(printed.removeprefix("https://")) <= 30
