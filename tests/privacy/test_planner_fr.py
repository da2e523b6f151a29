"""The planner's advice in the request's language (issue 15): the same advice, sentence for
sentence, in French when the request is French, with its numbers unchanged."""

from __future__ import annotations

import re

from service import i18n
from service.db import Conn
from service.privacy.planner import plan_program
from tests.privacy.test_planner import SHIFT_SIZES, headcount_tree, program_on


async def test_the_advice_is_given_in_french_with_the_same_numbers(conn: Conn) -> None:
    units = await headcount_tree(conn, (3, 4, 3), SHIFT_SIZES)
    program_id = await program_on(conn, units[0], max_half_width=0.5)
    english = await plan_program(conn, None, program_id, epsilon=4.0, level_shares=[0.25] * 4)
    i18n.use("fr")
    try:
        french = await plan_program(conn, None, program_id, epsilon=4.0, level_shares=[0.25] * 4)
    finally:
        i18n.use("en")
    assert english.advice and len(french.advice) == len(english.advice)
    # The best plan differs from the shares given: the advice says what it would change.
    assert any(line.startswith("Level shares [") for line in english.advice)
    assert any(line.startswith("Les parts par niveau [") for line in french.advice)
    for en, fr in zip(english.advice, french.advice, strict=True):
        assert en != fr
        assert re.findall(r"\d+(?:\.\d+)?", en) == re.findall(r"\d+(?:\.\d+)?", fr), (en, fr)
        assert not re.search(r"\b(?:would|instead|level|units?)\b", fr), fr
