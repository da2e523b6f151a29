"""What the card, open-link and emailed-link forms say about bad input: every bad field at
once, each message beside its input, and what was typed kept. Nothing is made."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.factories import World
from tests.http import Seed, Signed

_ERROR = re.compile(r'<p class="error" id="f-([\w-]+)-error">(.*?)</p>', re.S)

CHOOSE_WAVE = "Choose a wave."
CHOOSE_UNIT = "Choose a unit."
CHOOSE_FORMAT = "Choose PDF, HTML or CSV."
CHOOSE_PAPER = "Choose A4 or US Letter."


def _errors(page: Any) -> dict[str, str]:
    return {name: html.unescape(message) for name, message in _ERROR.findall(page.text)}


def _made(seed: Seed) -> int:
    count: int = seed(
        lambda conn: conn.fetchval(
            "SELECT (SELECT count(*) FROM invitation) + (SELECT count(*) FROM link_ticket)"
        )
    )
    return count


@pytest.mark.parametrize(
    ("path", "form", "expected"),
    [
        (
            "/console/cards",
            {},
            # A blank card count is no longer a problem: each unit's headcount + spare share.
            {"wave": CHOOSE_WAVE, "unit": CHOOSE_UNIT,
             "format": CHOOSE_FORMAT, "paper": CHOOSE_PAPER},
        ),
        (
            "/console/cards",
            {"wave": "9" * 19, "unit": "{leaf}", "count": "abc", "format": "csv", "paper": "a4"},
            {"wave": CHOOSE_WAVE, "count": "Enter a whole number, e.g. 40."},
        ),
        (
            "/console/cards",
            {"wave": "0", "unit": "{leaf}", "count": "2001", "format": "doc", "paper": "a3"},
            {"wave": CHOOSE_WAVE, "count": "Enter a number of cards from 1 to 2000.",
             "format": CHOOSE_FORMAT, "paper": CHOOSE_PAPER},
        ),
        (
            "/console/cards",
            {"wave": "-{wave}", "unit": "", "count": "1.5", "format": "pdf", "paper": "letter"},
            {"wave": CHOOSE_WAVE, "unit": CHOOSE_UNIT, "count": "Enter a whole number, e.g. 40."},
        ),
        (
            "/console/open-links",
            {"count": "abc"},
            {"wave": CHOOSE_WAVE, "unit": CHOOSE_UNIT, "format": CHOOSE_FORMAT,
             "paper": CHOOSE_PAPER},
        ),
        (
            "/console/open-links",
            {"wave": "{wave}", "unit": "", "format": "html", "paper": "letter"},
            {"unit": CHOOSE_UNIT},
        ),
        (
            "/console/links",
            {},
            {"wave": CHOOSE_WAVE, "unit": CHOOSE_UNIT, "count": "Enter a number."},
        ),
        (
            "/console/links",
            {"wave": "{wave}", "unit": "{leaf}", "count": "2001", "format": "doc"},
            {"count": "Enter a number of links from 1 to 2000."},
        ),
        (
            "/console/links",
            {"wave": "x", "unit": "{leaf}", "count": "0"},
            {"wave": CHOOSE_WAVE, "count": "Enter a number of links from 1 to 2000."},
        ),
    ],
)  # fmt: skip
def test_a_bad_invitation_form_shows_every_problem_beside_its_input(
    admin: Signed,
    world: World,
    seed: Seed,
    path: str,
    form: dict[str, str],
    expected: dict[str, str],
) -> None:
    leaf = world["units"][3]["path"]
    sent = {k: v.format(leaf=leaf, wave=world["wave"]) for k, v in form.items()}
    page = admin.post(path, sent)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in page.headers
    assert page.headers["cache-control"] == "no-store"
    assert _errors(page) == expected
    if "count" in expected and sent.get("count"):
        assert f'value="{sent["count"]}"' in page.text
    assert _made(seed) == 0


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        # The service's refusals land beside the input they are about.
        ("/console/cards", {"unit": "no/such/unit", "count": "2", "format": "csv"}, "unit"),
        ("/console/open-links", {"unit": "{leaf}", "format": "csv"}, "wave"),
        ("/console/links", {"unit": "{leaf}", "count": "2"}, "wave"),
    ],
)
def test_a_refused_invitation_request_is_shown_beside_the_input_it_is_about(
    admin: Signed, world: World, seed: Seed, path: str, form: dict[str, str], field: str
) -> None:
    leaf = world["units"][3]["path"]
    sent = {"wave": str(world["wave"]), "paper": "a4"} | {
        k: v.format(leaf=leaf) for k, v in form.items()
    }
    page = admin.post(path, sent)
    assert page.status_code == 422
    assert list(_errors(page)) == [field]
    assert _made(seed) == 0


def test_an_open_link_form_keeps_the_subtree_box_ticked(admin: Signed, world: World) -> None:
    page = admin.post(
        "/console/open-links",
        {"wave": str(world["wave"]), "unit": world["units"][0]["path"], "format": "csv",
         "paper": "a4", "include_subtree": "yes"},
    )  # fmt: skip
    assert page.status_code == 422
    box = page.text[page.text.index('name="include_subtree"') :]
    assert box[: box.index(">")].rstrip().endswith("checked") or " checked" in box[: box.index(">")]
