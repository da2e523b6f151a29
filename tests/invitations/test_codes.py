from __future__ import annotations

import math
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.invitations.codes import (
    ALPHABET,
    PAYLOAD_SYMBOLS,
    CodeError,
    _check_symbol,
    hash_code,
    new_code,
    normalise,
)


def test_a_code_carries_at_least_128_bits_of_entropy() -> None:
    assert PAYLOAD_SYMBOLS * math.log2(len(ALPHABET)) >= 128


def test_the_alphabet_has_no_look_alike_letters() -> None:
    assert not set("ILOU") & set(ALPHABET)
    assert len(set(ALPHABET)) == 32


def test_new_codes_are_grouped_in_fours_and_valid() -> None:
    code = new_code()
    groups = code.split("-")
    assert all(len(g) == 4 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 4
    assert normalise(code) == code.replace("-", "")


def test_new_codes_differ() -> None:
    assert len({new_code() for _ in range(1000)}) == 1000


def test_typing_forgives_case_spaces_and_look_alikes() -> None:
    code = normalise(new_code())
    typed = " ".join(code.lower()[i : i + 3] for i in range(0, len(code), 3))
    assert normalise(typed) == code
    if "1" in code:
        assert normalise(code.replace("1", "l", 1)) == code
    if "0" in code:
        assert normalise(code.replace("0", "O", 1)) == code


@given(st.data())
def test_every_single_mistyped_symbol_is_caught(data: st.DataObject) -> None:
    code = normalise(new_code())
    position = data.draw(st.integers(0, len(code) - 1))
    replacement = data.draw(st.sampled_from([s for s in ALPHABET if s != code[position]]))
    typo = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(CodeError) as caught:
        normalise(typo)
    assert caught.value.reason == "check"


def test_every_swap_of_two_different_symbols_is_caught() -> None:
    for _ in range(20):
        code = normalise(new_code())
        for i in range(len(code)):
            for j in range(i + 1, len(code)):
                if code[i] != code[j]:
                    swapped = code[:i] + code[j] + code[i + 1 : j] + code[i] + code[j + 1 :]
                    assert not _is_valid(swapped), (code, i, j)


def test_every_swap_of_neighbours_is_caught_for_every_pair_of_symbols() -> None:
    base = normalise(new_code())[:-1]
    for position in (0, 11, len(base) - 2):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                payload = base[:position] + a + b + base[position + 2 :]
                code = payload + _check_symbol(payload)
                swapped = payload[:position] + b + a + payload[position + 2 :] + code[-1]
                assert not _is_valid(swapped), (position, a, b)


def _is_valid(code: str) -> bool:
    try:
        normalise(code)
    except CodeError:
        return False
    return True


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("   -- ", "empty"), ("ABC!", "characters"), ("ABCD-EFGH", "length")],
)
def test_malformed_codes_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(CodeError) as caught:
        normalise(text)
    assert caught.value.reason == reason


def test_any_typed_form_of_a_code_hashes_the_same() -> None:
    code = new_code()
    assert hash_code(code) == hash_code(code.lower().replace("-", " "))
    assert hash_code(code) != hash_code(new_code())


def test_random_text_is_almost_never_a_valid_code() -> None:
    valid = 0
    for _ in range(2000):
        text = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_SYMBOLS + 1))
        try:
            normalise(text)
            valid += 1
        except CodeError:
            pass
    # One in 32 passes the check by chance; 2000 draws give ~62, far from 0 or 2000.
    assert 20 < valid < 140
