"""The one form reader: a form becomes the schema's strict struct, or every problem at once
beside its input, with what was typed kept."""

from __future__ import annotations

from multidict import MultiDict

from service.console import forms
from service.console.forms import Input
from service.console.schemas import CardsForm, Confirmation
from service.units.schemas import UnitCreate

CARDS = {
    "wave": Input("id", message="Choose a wave."),
    "unit": Input(message="Choose a unit."),
    "count": Input("whole", message="Enter a number of cards from 1 to 2000."),
    "include_subtree": Input("check"),
    "format": Input(),
}


def test_a_good_form_becomes_the_strict_struct() -> None:
    form = MultiDict(
        {"wave": " 12 ", "unit": "fire/a", "count": "40", "include_subtree": "yes", "format": "csv"}
    )
    read = forms.read(form, CardsForm, CARDS)
    assert read.errors == {}
    assert read.data == CardsForm(
        wave=12, unit="fire/a", count=40, include_subtree=True, format="csv"
    )
    assert read.values == {
        "wave": "12", "unit": "fire/a", "count": "40", "include_subtree": True, "format": "csv"
    }  # fmt: skip


def test_every_bad_input_is_reported_at_once_in_the_order_of_the_form() -> None:
    form = MultiDict({"wave": "-1", "unit": "", "count": "many", "format": "doc"})
    read = forms.read(form, CardsForm, CARDS)
    assert read.data is None
    assert list(read.errors) == ["wave", "unit", "count", "format"]
    assert read.errors["wave"] == "Choose a wave."
    assert read.errors["unit"] == "Choose a unit."
    # A number that is no number says so; the schema's message is for numbers out of bounds.
    assert read.errors["count"] == "Enter a whole number, e.g. 40."
    assert read.errors["format"] == "Choose one of the options."
    assert read.values["count"] == "many"


def test_a_bound_of_the_schema_reads_as_the_input_s_own_message() -> None:
    read = forms.read(
        MultiDict({"wave": "3", "unit": "a", "count": "2001", "format": "pdf"}), CardsForm, CARDS
    )
    assert read.errors == {"count": "Enter a number of cards from 1 to 2000."}


def test_a_blank_input_sends_its_blank_value() -> None:
    inputs = {"slug": Input(), "name": Input(), "headcount": Input("whole", blank=0),
              "parent": Input(blank=None)}  # fmt: skip
    read = forms.read(MultiDict({"slug": "crew-a", "name": "Crew A"}), UnitCreate, inputs)
    assert read.data is not None
    assert (read.data.headcount, read.data.parent) == (0, None)
    assert read.values["headcount"] == ""


def test_a_rule_of_the_whole_struct_lands_on_the_fallback_input() -> None:
    inputs = {"slug": Input(), "name": Input()}
    read = forms.read(
        MultiDict({"slug": "-bad-", "name": "Crew"}), UnitCreate, inputs, fallback="slug"
    )
    assert read.data is None
    assert list(read.errors) == ["slug"]


def test_a_confirmation_needs_its_box_ticked() -> None:
    inputs = {"confirm": Input("check", message="Tick the box.")}
    assert forms.read(MultiDict(), Confirmation, inputs).errors == {"confirm": "Tick the box."}
    ticked = forms.read(MultiDict({"confirm": "yes"}), Confirmation, inputs)
    assert ticked.errors == {} and ticked.data == Confirmation(confirm=True)
