from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import msgspec
import pytest

from service.errors import InstrumentNotFound, InvalidInstrument
from service.instruments.schemas import Instrument, LikertItem, Scale, SingleChoiceItem
from service.instruments.service import (
    band_for,
    canonical_json,
    fetch_instrument,
    fetch_instruments_by_ids,
    list_instruments,
    load_instrument_file,
    load_instruments_dir,
    required_answers,
    score_scale,
    sync_instruments,
)

MINIMAL = """\
slug = "sample"
languages = ["en", "fr"]
title = { en = "Sample", fr = "Exemple" }
description = { en = "A sample.", fr = "Un exemple." }

[[option_sets]]
id = "agree3"
options = [
  { value = 1, label = { en = "No", fr = "Non" } },
  { value = 2, label = { en = "Maybe", fr = "Peut-être" } },
  { value = 3, label = { en = "Yes", fr = "Oui" } },
]

[[items]]
kind = "likert"
id = "first"
options = "agree3"
text = { en = "First?", fr = "Premier?" }

[[items]]
kind = "likert"
id = "second"
options = "agree3"
reverse = true
text = { en = "Second?", fr = "Deuxième?" }

[[items]]
kind = "single_choice"
id = "third"
options = "agree3"
text = { en = "Third?", fr = "Troisième?" }

[[scales]]
id = "main"
headline = true
higher_is = "better"
name = { en = "Main", fr = "Principal" }
items = ["first", "second"]
scoring = "mean"
bands = [
  { id = "low", lower = 1, upper = 2, label = { en = "Low", fr = "Bas" } },
  { id = "high", lower = 2, upper = 3, label = { en = "High", fr = "Haut" } },
]
"""

SHIPPED = {
    # slug: (fewest items, most items)
    "help-seeking-stigma": (10, 12),
    "openness": (7, 9),
    "workplace-support": (8, 10),
}


def broken(old: str, new: str) -> str:
    """MINIMAL with one change; the table below fails loudly if `old` is not in MINIMAL."""
    assert MINIMAL.count(old) == 1, f"{old!r} must occur exactly once in MINIMAL"
    return MINIMAL.replace(old, new)


# --- the shipped instruments ------------------------------------------------------------


def test_every_shipped_instrument_loads_with_the_promised_shape(surveys_dir: Path) -> None:
    loaded = {item.instrument.slug: item for item in load_instruments_dir(surveys_dir)}
    assert sorted(loaded) == sorted(SHIPPED)
    for slug, (fewest, most) in SHIPPED.items():
        instrument = loaded[slug].instrument
        assert fewest <= len(instrument.items) <= most, slug
        assert instrument.languages == ["en", "fr"]
        assert any(isinstance(i, LikertItem) and i.reverse for i in instrument.items), slug
        assert len(instrument.scales) >= 2, slug
        texts = [instrument.title, instrument.description]
        texts += [item.text for item in instrument.items]
        texts += [o.label for s in instrument.option_sets for o in s.options]
        for scale in instrument.scales:
            texts += [scale.name, *(band.label for band in scale.bands)]
        for text in texts:
            assert set(text) == {"en", "fr"}, slug
            assert all(value.strip() for value in text.values()), slug
        # French and English are different texts, not copies of each other.
        assert all(item.text["en"] != item.text["fr"] for item in instrument.items), slug


def test_every_shipped_scale_states_its_direction_and_what_higher_means(
    surveys_dir: Path,
) -> None:
    directions = {
        scale.id: scale.higher_is
        for loaded in load_instruments_dir(surveys_dir)
        for scale in loaded.instrument.scales
    }
    assert directions == {
        "self_stigma": "worse",
        "workplace_stigma": "worse",
        "psych_safety": "better",
        "leadership_commitment": "better",
        "org_stress": "worse",
        "support_trust": "better",
    }
    for loaded in load_instruments_dir(surveys_dir):
        for scale in loaded.instrument.scales:
            assert scale.description is not None, scale.id
            assert scale.description["en"].startswith("Higher scores mean "), scale.id


def test_shipped_items_differ_from_each_other_in_every_language(surveys_dir: Path) -> None:
    texts = [
        item.text[language]
        for loaded in load_instruments_dir(surveys_dir)
        for item in loaded.instrument.items
        for language in ("en", "fr")
    ]
    assert len(texts) == len(set(texts))


def test_the_annotated_example_in_the_docs_is_a_valid_instrument(write_instrument: Any) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "instruments.md").read_text()
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    loaded = load_instrument_file(write_instrument(example, slug="team-check-in"))
    scale = loaded.instrument.scales[0]
    assert score_scale(loaded.instrument, scale, [4, 2, 1]) == 4.0


def test_the_docs_name_every_shipped_scale_and_item(surveys_dir: Path) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "instruments.md").read_text()
    for loaded in load_instruments_dir(surveys_dir):
        assert f"`{loaded.instrument.slug}`" in docs
        for scale in loaded.instrument.scales:
            assert f"`{scale.id}`" in docs
            for item_id in scale.items:
                assert f"`{item_id}`" in docs
    for construct in ("SSOSH", "PSOSH", "EASI", "Edmondson", "PSQ-Org", "PSQ-Op"):
        assert construct in docs
    assert "original to Muster" in docs
    assert "not validated translations" in docs


def test_the_minimal_sample_is_valid(write_instrument: Any) -> None:
    loaded = load_instrument_file(write_instrument(MINIMAL))
    assert [item.id for item in loaded.instrument.items] == ["first", "second", "third"]
    assert isinstance(loaded.instrument.items[2], SingleChoiceItem)
    assert len(loaded.sha256) == 64
    assert loaded.version == loaded.sha256[:12]


# --- broken files: every error names the file and the exact field path --------------------

BROKEN = [
    # (case, old, new, field, words the message must contain)
    ("toml syntax", 'slug = "sample"', 'slug = "sample', "$", "not valid TOML"),
    (
        "wrong type",
        "{ value = 1,",
        '{ value = "one",',
        "$.option_sets[0].options[0].value",
        "Expected `int`",
    ),
    (
        "unknown top-level field",
        'slug = "sample"\n',
        'slug = "sample"\ncolour = "red"\n',
        "$.colour",
        "unknown field `colour`; expected one of: description, items",
    ),
    (
        "unknown field in a band",
        '{ id = "low", lower = 1,',
        '{ id = "low", colour = 1, lower = 1,',
        "$.scales[0].bands[0].colour",
        "expected one of: id, label, lower, upper",
    ),
    (
        "unknown item kind",
        'kind = "single_choice"',
        'kind = "essay"',
        "$.items[2].kind",
        "unknown item kind `essay`; expected likert or single_choice",
    ),
    (
        "missing item kind",
        'kind = "likert"\nid = "first"',
        'id = "first"',
        "$.items[0].kind",
        "required",
    ),
    (
        "missing item text",
        'text = { en = "Third?", fr = "Troisième?" }\n',
        "",
        "$.items[2].text",
        "required",
    ),
    (
        "reverse on a single choice",
        'kind = "single_choice"\n',
        'kind = "single_choice"\nreverse = true\n',
        "$.items[2].reverse",
        "only likert items can be reverse-coded",
    ),
    (
        "item id with capitals",
        'id = "first"',
        'id = "First"',
        "$.items[0].id",
        "lower-case letters, digits and underscores",
    ),
    ("slug with capitals", 'slug = "sample"', 'slug = "Sample"', "$.slug", "lower-case letters"),
    (
        "text that is not a string",
        'fr = "Premier?"',
        "fr = 1",
        "$.items[0].text.fr",
        "Expected `str`",
    ),
    (
        "option value zero",
        "{ value = 1,",
        "{ value = 0,",
        "$.option_sets[0].options[0].value",
        ">= 1",
    ),
    (
        "min_answered above one",
        'scoring = "mean"\n',
        'scoring = "mean"\nmin_answered = 1.5\n',
        "$.scales[0].min_answered",
        "<= 1",
    ),
    (
        "scoring other than mean",
        'scoring = "mean"',
        'scoring = "sum"',
        "$.scales[0].scoring",
        "Invalid enum value 'sum'; expected one of: mean",
    ),
    (
        "scale without items",
        'items = ["first", "second"]',
        "items = []",
        "$.scales[0].items",
        "length >= 1",
    ),
    (
        "misspelt table name",
        "[[scales]]",
        "[[scale]]",
        "$.scale",
        "unknown field `scale`; "
        "expected one of: description, items, languages, option_sets, scales, slug, title",
    ),
    (
        "missing description",
        'description = { en = "A sample.", fr = "Un exemple." }\n',
        "",
        "$.description",
        "is missing; this field is required",
    ),
    (
        "direction not one of the two",
        'higher_is = "better"',
        'higher_is = "up"',
        "$.scales[0].higher_is",
        "expected one of: better, worse",
    ),
    # semantic errors, found after decoding
    (
        "scale without a direction",
        'higher_is = "better"\n',
        "",
        "$.scales[0].higher_is",
        "is missing; this field is required: `better` when a higher score is good news",
    ),
    (
        "no headline scale",
        "headline = true\n",
        "",
        "$.scales",
        "0 scales are marked `headline = true`; expected 1 or 2",
    ),
    (
        "slug not the file name",
        'slug = "sample"',
        'slug = "other"',
        "$.slug",
        "the file is `sample.toml`; expected `sample`",
    ),
    (
        "missing translation",
        '{ en = "Second?", fr = "Deuxième?" }',
        '{ en = "Second?" }',
        "$.items[1].text.fr",
        "translation is missing",
    ),
    (
        "undeclared language",
        '{ en = "Second?", fr = "Deuxième?" }',
        '{ en = "Second?", fr = "Deuxième?", de = "Zweite?" }',
        "$.items[1].text.de",
        "not declared in `languages`",
    ),
    ("blank translation", 'fr = "Exemple"', 'fr = "  "', "$.title.fr", "blank"),
    (
        "missing label translation",
        '{ en = "Maybe", fr = "Peut-être" }',
        '{ en = "Maybe" }',
        "$.option_sets[0].options[1].label.fr",
        "translation is missing",
    ),
    (
        "language listed twice",
        'languages = ["en", "fr"]',
        'languages = ["en", "fr", "en"]',
        "$.languages[2]",
        "listed twice",
    ),
    (
        "duplicate item id",
        'id = "second"',
        'id = "first"',
        "$.items[1].id",
        "already the id of items[0]",
    ),
    (
        "unknown option set",
        'options = "agree3"\ntext = { en = "First?"',
        'options = "agree5"\ntext = { en = "First?"',
        "$.items[0].options",
        "unknown option set `agree5`; expected one of: `agree3`",
    ),
    (
        "scale with an unknown item",
        'items = ["first", "second"]',
        'items = ["first", "fourth"]',
        "$.scales[0].items[1]",
        "unknown item `fourth`",
    ),
    (
        "scale with a single-choice item",
        'items = ["first", "second"]',
        'items = ["first", "third"]',
        "$.scales[0].items[1]",
        "single_choice item; expected the id of a likert item",
    ),
    (
        "scale listing an item twice",
        'items = ["first", "second"]',
        'items = ["first", "first"]',
        "$.scales[0].items[1]",
        "listed twice",
    ),
    (
        "option values with a gap",
        "{ value = 3,",
        "{ value = 4,",
        "$.option_sets[0].options[2].value",
        "expected 3",
    ),
    (
        "bands starting above the lowest score",
        "lower = 1, upper = 2,",
        "lower = 1.5, upper = 2,",
        "$.scales[0].bands[0].lower",
        "expected 1",
    ),
    (
        "bands with a gap",
        "lower = 2, upper = 3",
        "lower = 2.5, upper = 3",
        "$.scales[0].bands[1].lower",
        "expected 2, the upper bound of bands[0]",
    ),
    (
        "bands overlapping",
        "lower = 2, upper = 3",
        "lower = 1.5, upper = 3",
        "$.scales[0].bands[1].lower",
        "without gaps or overlaps",
    ),
    (
        "bands stopping short of the highest score",
        "lower = 2, upper = 3",
        "lower = 2, upper = 2.8",
        "$.scales[0].bands[1].upper",
        "expected 3, the highest score",
    ),
    (
        "an empty band",
        "lower = 1, upper = 2,",
        "lower = 1, upper = 1,",
        "$.scales[0].bands[0].upper",
        "expected more than 1",
    ),
    (
        "band id used twice",
        '{ id = "high"',
        '{ id = "low"',
        "$.scales[0].bands[1].id",
        "used twice",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in BROKEN],
)
def test_a_broken_file_is_refused_naming_the_file_and_the_field(
    write_instrument: Any, old: str, new: str, field: str, words: str
) -> None:
    path = write_instrument(broken(old, new))
    with pytest.raises(InvalidInstrument) as caught:
        load_instrument_file(path)
    error = caught.value
    assert error.errors is not None
    assert error.errors[0].field == field
    assert words in error.errors[0].message
    assert error.detail.startswith(f"{path}: {field}: ")
    assert error.extra["file"] == str(path)
    assert error.to_problem().status == 422


def test_every_semantic_problem_is_listed_not_only_the_first(write_instrument: Any) -> None:
    text = broken('{ en = "Second?", fr = "Deuxième?" }', '{ en = "Second?" }')
    text = text.replace('items = ["first", "second"]', 'items = ["first", "nope"]')
    with pytest.raises(InvalidInstrument) as caught:
        load_instrument_file(write_instrument(text))
    assert [e.field for e in caught.value.errors or []] == [
        "$.items[1].text.fr",
        "$.scales[0].items[1]",
    ]
    assert "(and 1 more, listed under `errors`)" in caught.value.detail


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(InvalidInstrument, match=r"absent\.toml"):
        load_instrument_file(path)


def test_a_file_that_is_not_utf8_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "sample.toml"
    path.write_bytes(MINIMAL.encode("latin-1"))
    with pytest.raises(InvalidInstrument) as caught:
        load_instrument_file(path)
    assert caught.value.detail.startswith(f"{path}: $: not UTF-8 text")


def test_a_folder_of_files_fails_on_the_bad_one_naming_it(
    write_instrument: Any, surveys_dir: Path, tmp_path: Path
) -> None:
    for path in surveys_dir.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    bad = write_instrument(broken('fr = "Exemple"', 'fr = ""'))
    with pytest.raises(InvalidInstrument) as caught:
        load_instruments_dir(tmp_path)
    assert caught.value.detail.startswith(f"{bad}: $.title.fr: ")


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInstrument, match="does not exist"):
        load_instruments_dir(tmp_path / "nowhere")


def test_non_toml_files_in_the_folder_are_ignored(write_instrument: Any, tmp_path: Path) -> None:
    write_instrument(MINIMAL)
    (tmp_path / "README.md").write_text("not an instrument")
    assert [i.instrument.slug for i in load_instruments_dir(tmp_path)] == ["sample"]


# --- versions by content hash -----------------------------------------------------------


def _reformatted(text: str) -> str:
    """The same instrument written differently: comments, spacing, key order within a table."""
    text = text.replace("\n[[items]]\n", "\n# a comment that changes nothing\n\n[[items]]   \n")
    text = text.replace('kind = "likert"\nid = "first"', 'id="first"    # moved up\nkind="likert"')
    text = text.replace("{ value = 1,", "{value=1,")
    return "# header comment\n\n" + text.replace("\n[[", "\n\n\n[[")


def test_reformatting_a_file_keeps_its_version(write_instrument: Any) -> None:
    original = load_instrument_file(write_instrument(MINIMAL))
    reformatted_text = _reformatted(MINIMAL)
    assert reformatted_text != MINIMAL
    reformatted = load_instrument_file(write_instrument(reformatted_text))
    assert reformatted.version == original.version
    assert reformatted.sha256 == original.sha256


def test_reformatting_a_shipped_file_keeps_its_version(
    surveys_dir: Path, write_instrument: Any
) -> None:
    path = surveys_dir / "openness.toml"
    text = path.read_text(encoding="utf-8")
    again = load_instrument_file(write_instrument(_reformatted(text), slug="openness"))
    assert again.version == load_instrument_file(path).version


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('en = "First?"', 'en = "First one?"'),
        ("reverse = true\n", ""),
        ('scoring = "mean"\n', 'scoring = "mean"\nmin_answered = 0.5\n'),
        ("lower = 2, upper = 3", "lower = 2, upper = 3"),
    ],
)
def test_changing_the_content_changes_the_version(
    write_instrument: Any, old: str, new: str
) -> None:
    original = load_instrument_file(write_instrument(MINIMAL))
    changed = load_instrument_file(write_instrument(broken(old, new)))
    assert (changed.version == original.version) == (old == new)


def test_the_default_is_part_of_no_version(write_instrument: Any) -> None:
    # Writing a default out loud is a reformatting, not a new version.
    implicit = load_instrument_file(write_instrument(MINIMAL))
    explicit = load_instrument_file(
        write_instrument(broken('scoring = "mean"\n', 'scoring = "mean"\nmin_answered = 0.8\n'))
    )
    assert explicit.version == implicit.version


def test_the_canonical_body_decodes_back_to_the_same_instrument(surveys_dir: Path) -> None:
    for loaded in load_instruments_dir(surveys_dir):
        assert msgspec.convert(loaded.body, type=Instrument) == loaded.instrument
        assert msgspec.json.encode(loaded.body, order="sorted") == canonical_json(loaded.instrument)


# --- scoring ------------------------------------------------------------------------------


def test_a_scale_scores_the_mean_after_reverse_coding(write_instrument: Any) -> None:
    instrument = load_instrument_file(write_instrument(MINIMAL)).instrument
    scale = instrument.scales[0]
    # first = 3, second = 1 reversed to (1 + 3) - 1 = 3, third is not in the scale.
    assert score_scale(instrument, scale, [3, 1, 2]) == 3.0
    assert score_scale(instrument, scale, [1, 1, 0]) == 2.0


def test_a_respondent_with_too_few_answers_has_no_score(write_instrument: Any) -> None:
    instrument = load_instrument_file(write_instrument(MINIMAL)).instrument
    scale = instrument.scales[0]
    assert required_answers(scale) == 2  # ceil(0.8 * 2)
    assert score_scale(instrument, scale, [3, 0, 2]) is None


@pytest.mark.parametrize(
    ("share", "items", "required"),
    [(0.8, 6, 5), (0.8, 5, 4), (0.7, 10, 7), (0.6, 3, 2), (0.75, 4, 3), (1.0, 4, 4), (0.1, 3, 1)],
)
def test_min_answered_rounds_the_share_up(share: float, items: int, required: int) -> None:
    scale = msgspec.convert(
        {
            "id": "s",
            "name": {"en": "S"},
            "items": [f"i{n}" for n in range(items)],
            "scoring": "mean",
            "min_answered": share,
            "bands": [{"id": "all", "label": {"en": "All"}, "lower": 1, "upper": 5}],
        },
        type=Scale,
    )
    assert required_answers(scale) == required


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1.0, "low"),
        (2.49, "low"),
        (2.5, "moderate"),
        (3.49, "moderate"),
        (3.5, "high"),
        (5.0, "high"),
    ],
)
def test_bands_are_half_open_except_the_last(surveys_dir: Path, score: float, band: str) -> None:
    instrument = load_instrument_file(surveys_dir / "help-seeking-stigma.toml").instrument
    assert band_for(instrument.scales[0], score).id == band


# --- stored instruments -----------------------------------------------------------------


async def test_syncing_twice_stores_each_version_once(conn: Any, surveys_dir: Path) -> None:
    first = await sync_instruments(conn, surveys_dir)
    second = await sync_instruments(conn, surveys_dir)
    assert [r.instrument_id for r in first] == [r.instrument_id for r in second]
    assert sorted(r.slug for r in first) == sorted(SHIPPED)
    assert await conn.fetchval("SELECT count(*) FROM instrument") == len(SHIPPED)
    loaded = {i.instrument.slug: i for i in load_instruments_dir(surveys_dir)}
    for row in first:
        assert row.version == loaded[row.slug].version
        assert row.instrument == loaded[row.slug].instrument
        assert row.title == loaded[row.slug].instrument.title["en"]


async def test_an_edited_file_adds_a_version_and_becomes_the_latest(
    conn: Any, write_instrument: Any, tmp_path: Path
) -> None:
    path = write_instrument(MINIMAL)
    [old] = await sync_instruments(conn, tmp_path)
    write_instrument(broken('en = "First?"', 'en = "First, again?"'))
    [new] = await sync_instruments(conn, tmp_path)
    assert new.instrument_id != old.instrument_id
    assert (await fetch_instrument(conn, "sample")).instrument_id == new.instrument_id
    assert (await fetch_instrument(conn, "sample", old.version)).instrument_id == old.instrument_id
    # Putting the old text back makes the old version the latest again, without a new row.
    path.write_text(MINIMAL, encoding="utf-8")
    [again] = await sync_instruments(conn, tmp_path)
    assert again.instrument_id == old.instrument_id
    assert (await fetch_instrument(conn, "sample")).instrument_id == old.instrument_id
    assert await conn.fetchval("SELECT count(*) FROM instrument WHERE slug = 'sample'") == 2


async def test_a_bad_file_stores_nothing(conn: Any, write_instrument: Any, tmp_path: Path) -> None:
    write_instrument(MINIMAL)
    write_instrument(MINIMAL, slug="other")
    with pytest.raises(InvalidInstrument, match=r"other\.toml"):
        await sync_instruments(conn, tmp_path)
    assert await conn.fetchval("SELECT count(*) FROM instrument") == 0


async def test_listing_shows_the_latest_version_of_each_instrument(
    conn: Any, surveys_dir: Path
) -> None:
    await sync_instruments(conn, surveys_dir)
    summaries = await list_instruments(conn)
    assert [s.slug for s in summaries] == sorted(SHIPPED)
    stigma = summaries[0]
    assert stigma.item_count == 12
    assert [s.id for s in stigma.scales] == ["self_stigma", "workplace_stigma"]
    assert stigma.scales[0].item_count == 6
    assert stigma.title["fr"] == "Attitudes face à la demande d'aide"


@pytest.mark.anyio
@pytest.mark.parametrize(("slug", "version"), [("nope", None), ("openness", "0123456789ab")])
async def test_fetching_an_unknown_instrument_or_version_is_not_found(
    conn: Any, surveys_dir: Path, slug: str, version: str | None
) -> None:
    await sync_instruments(conn, surveys_dir)
    with pytest.raises(InstrumentNotFound):
        await fetch_instrument(conn, slug, version)


async def test_fetching_by_ids_keeps_the_given_order(conn: Any, surveys_dir: Path) -> None:
    rows = await sync_instruments(conn, surveys_dir)
    ids = [row.instrument_id for row in reversed(rows)]
    assert [row.instrument_id for row in await fetch_instruments_by_ids(conn, ids)] == ids
    assert await fetch_instruments_by_ids(conn, []) == []
    with pytest.raises(InstrumentNotFound) as caught:
        await fetch_instruments_by_ids(conn, [ids[0], -1])
    assert caught.value.extra["instrument_ids"] == [-1]
