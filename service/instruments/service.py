"""Instruments: load and check surveys/*.toml, version them by content, store and read them.

A file is decoded strictly by msgspec, then checked for what types cannot express
(references, translations, bands). Any problem raises InvalidInstrument whose detail names
the file, the field path (`$.items[3].text.fr`) and what was expected; every problem found
is listed under `errors`.

The version of an instrument is the sha256 of its canonical JSON (sorted keys, defaults
omitted), so reformatting a file or editing its comments keeps the version, and changing a
word makes a new one.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec
import msgspec.structs
import msgspec.toml

from service.db import Conn
from service.errors import (
    FieldError,
    InstrumentNotFound,
    InvalidInstrument,
)
from service.instruments import queries
from service.instruments.messages import describe_validation_error
from service.instruments.schemas import (
    Band,
    Instrument,
    InstrumentRow,
    InstrumentSummary,
    LikertItem,
    LoadedInstrument,
    Scale,
    ScaleSummary,
    SingleChoiceItem,
    Text,
)

# Scales an instrument may mark as headline (measured at the smallest units).
MAX_HEADLINE_SCALES = 2


# --- loading files ------------------------------------------------------------------------


def load_instrument_file(path: Path) -> LoadedInstrument:
    """Decode, check and hash one instrument file; InvalidInstrument names what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _invalid(
            path, [FieldError(field="$", message=f"cannot be read: {exc.strerror}")]
        ) from None
    instrument = decode_instrument(data, path)
    problems = validate_instrument(instrument, slug=path.stem)
    if problems:
        raise _invalid(path, problems)
    canonical = canonical_json(instrument)
    sha256 = hashlib.sha256(canonical).hexdigest()
    return LoadedInstrument(
        path=str(path),
        instrument=instrument,
        sha256=sha256,
        version=sha256[:12],
        body=msgspec.json.decode(canonical),
    )


def load_instruments_dir(directory: Path) -> list[LoadedInstrument]:
    """Every `*.toml` in `directory`, by file name; the first bad file raises, naming it."""
    if not directory.is_dir():
        raise InvalidInstrument(
            f"{directory}: the instruments folder does not exist. "
            "Create it or point MUSTER_SURVEYS_DIR at the folder that holds the *.toml files.",
            errors=[FieldError(field="$", message="expected a folder of *.toml files")],
            file=str(directory),
        )
    return [load_instrument_file(path) for path in sorted(directory.glob("*.toml"))]


def decode_instrument(data: bytes, path: Path) -> Instrument:
    """Strict decoding; a syntax or type error becomes InvalidInstrument with its field path."""
    try:
        return msgspec.toml.decode(data, type=Instrument)
    except msgspec.ValidationError as exc:
        field, message = describe_validation_error(data, str(exc))
        raise _invalid(path, [FieldError(field=field, message=message)]) from None
    except msgspec.DecodeError as exc:
        message = f"not valid TOML: {exc}; expected a TOML document"
        raise _invalid(path, [FieldError(field="$", message=message)]) from None
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start}); expected a TOML document saved as UTF-8"
        raise _invalid(path, [FieldError(field="$", message=message)]) from None


def canonical_json(instrument: Instrument) -> bytes:
    """The bytes an instrument's version is hashed from: sorted keys, defaults omitted.

    Omitting every field that equals its default keeps versions stable when a default is
    written out in the file, and when a later Muster adds an optional field.
    """
    return msgspec.json.encode(_plain(instrument), order="sorted")


def _plain(value: Any) -> Any:
    # msgspec's own omit_defaults compares floats by identity, so 0.8 read from a file would
    # not count as the default 0.8; compare by value here instead.
    if isinstance(value, msgspec.Struct):
        config = value.__struct_config__
        out: dict[str, Any] = {}
        if config.tag_field is not None:
            out[config.tag_field] = config.tag
        for field in msgspec.structs.fields(value):
            item = getattr(value, field.name)
            if field.default is not msgspec.NODEFAULT and item == field.default:
                continue
            if field.default_factory is not msgspec.NODEFAULT and item == field.default_factory():
                continue
            out[field.encode_name] = _plain(item)
        return out
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _invalid(path: Path, problems: list[FieldError]) -> InvalidInstrument:
    first = problems[0]
    more = len(problems) - 1
    tail = f" (and {more} more, listed under `errors`)" if more else ""
    return InvalidInstrument(
        f"{path}: {first.field}: {first.message}{tail}. Correct the file and load it again.",
        errors=problems,
        file=str(path),
    )


# --- what the types cannot say ------------------------------------------------------------


def validate_instrument(instrument: Instrument, *, slug: str | None = None) -> list[FieldError]:
    """Every semantic problem of a decoded instrument, in file order; empty when it is sound."""
    problems: list[FieldError] = []

    def problem(field: str, message: str) -> None:
        problems.append(FieldError(field=field, message=message))

    if slug is not None and instrument.slug != slug:
        problem(
            "$.slug",
            f"is `{instrument.slug}` but the file is `{slug}.toml`; expected `{slug}`",
        )
    languages = _check_languages(instrument.languages, problem)
    check_text = _text_checker(languages, problem)
    check_text("$.title", instrument.title)
    check_text("$.description", instrument.description)

    ranges = _check_option_sets(instrument, check_text, problem)
    items = _check_items(instrument, ranges, check_text, problem)
    _check_scales(instrument, items, ranges, check_text, problem)
    return problems


Problem = Callable[[str, str], None]


def _check_languages(languages: list[str], problem: Problem) -> list[str]:
    seen: set[str] = set()
    for i, language in enumerate(languages):
        if language in seen:
            problem(f"$.languages[{i}]", f"`{language}` is listed twice; expected each once")
        seen.add(language)
    return list(dict.fromkeys(languages))


def _text_checker(languages: list[str], problem: Problem) -> Callable[[str, Text], None]:
    declared = ", ".join(languages)

    def check(field: str, text: Text) -> None:
        for language in languages:
            if language not in text:
                problem(
                    f"{field}.{language}",
                    f"translation is missing; expected a text in every language of "
                    f"`languages` ({declared})",
                )
            elif not text[language].strip():
                problem(f"{field}.{language}", "is blank; expected a text")
        for language in text:
            if language not in languages:
                problem(
                    f"{field}.{language}",
                    f"`{language}` is not declared in `languages`; expected only {declared}",
                )

    return check


def _check_option_sets(
    instrument: Instrument, check_text: Callable[[str, Text], None], problem: Problem
) -> dict[str, tuple[int, int]]:
    """Option set id -> (lowest, highest value) for each well-formed set."""
    ranges: dict[str, tuple[int, int]] = {}
    seen: set[str] = set()
    for i, option_set in enumerate(instrument.option_sets):
        base = f"$.option_sets[{i}]"
        if option_set.id in seen:
            problem(f"{base}.id", f"`{option_set.id}` is used twice; expected unique ids")
            continue
        seen.add(option_set.id)
        consecutive = True
        for j, option in enumerate(option_set.options):
            check_text(f"{base}.options[{j}].label", option.label)
            expected = option_set.options[0].value + j
            if option.value != expected:
                consecutive = False
                problem(
                    f"{base}.options[{j}].value",
                    f"is {option.value}; expected {expected} "
                    "(values are consecutive whole numbers in increasing order)",
                )
        if consecutive:
            ranges[option_set.id] = (option_set.options[0].value, option_set.options[-1].value)
    return ranges


def _check_items(
    instrument: Instrument,
    ranges: dict[str, tuple[int, int]],
    check_text: Callable[[str, Text], None],
    problem: Problem,
) -> dict[str, int]:
    """Item id -> position for every item, first occurrence wins."""
    known_sets = ", ".join(f"`{s.id}`" for s in instrument.option_sets)
    position: dict[str, int] = {}
    for i, item in enumerate(instrument.items):
        base = f"$.items[{i}]"
        if item.id in position:
            problem(
                f"{base}.id",
                f"`{item.id}` is already the id of items[{position[item.id]}]; "
                "expected unique item ids",
            )
        else:
            position[item.id] = i
        check_text(f"{base}.text", item.text)
        if not any(s.id == item.options for s in instrument.option_sets):
            problem(
                f"{base}.options",
                f"unknown option set `{item.options}`; expected one of: {known_sets}",
            )
    return position


def _check_scales(
    instrument: Instrument,
    position: dict[str, int],
    ranges: dict[str, tuple[int, int]],
    check_text: Callable[[str, Text], None],
    problem: Problem,
) -> None:
    headlines = sum(1 for scale in instrument.scales if scale.headline)
    if instrument.scales and not 1 <= headlines <= MAX_HEADLINE_SCALES:
        problem(
            "$.scales",
            f"{headlines} scales are marked `headline = true`; expected 1 or 2: the scales "
            "leaders read first, measured even at the smallest units",
        )
    seen: set[str] = set()
    for i, scale in enumerate(instrument.scales):
        base = f"$.scales[{i}]"
        if scale.id in seen:
            problem(f"{base}.id", f"`{scale.id}` is used twice; expected unique scale ids")
        seen.add(scale.id)
        check_text(f"{base}.name", scale.name)
        if scale.higher_is is None:
            problem(
                f"{base}.higher_is",
                "is missing; this field is required: `better` when a higher score is good "
                "news (e.g. trust), `worse` when it is bad news (e.g. stigma, stress)",
            )
        if scale.description is not None:
            check_text(f"{base}.description", scale.description)
        span = _check_scale_items(instrument, scale, base, position, ranges, problem)
        bands_seen: set[str] = set()
        for k, band in enumerate(scale.bands):
            if band.id in bands_seen:
                problem(f"{base}.bands[{k}].id", f"`{band.id}` is used twice in this scale")
            bands_seen.add(band.id)
            check_text(f"{base}.bands[{k}].label", band.label)
        if span is not None:
            _check_bands(scale.bands, span, f"{base}.bands", problem)


def _check_scale_items(
    instrument: Instrument,
    scale: Scale,
    base: str,
    position: dict[str, int],
    ranges: dict[str, tuple[int, int]],
    problem: Problem,
) -> tuple[int, int] | None:
    """The score range shared by the scale's items, or None when it cannot be known."""
    span: tuple[int, int] | None = None
    sound = True
    listed: set[str] = set()
    for j, item_id in enumerate(scale.items):
        field = f"{base}.items[{j}]"
        if item_id in listed:
            problem(field, f"`{item_id}` is listed twice; expected each item once")
            continue
        listed.add(item_id)
        if item_id not in position:
            problem(field, f"unknown item `{item_id}`; expected the id of a likert item")
            sound = False
            continue
        item = instrument.items[position[item_id]]
        if not isinstance(item, LikertItem):
            problem(
                field,
                f"`{item_id}` is a {item_kind(item)} item; expected the id of a likert item",
            )
            sound = False
            continue
        item_span = ranges.get(item.options)
        if item_span is None:
            sound = False
        elif span is None:
            span = item_span
        elif item_span != span:
            problem(
                field,
                f"`{item_id}` is answered {item_span[0]}–{item_span[1]} but the scale's first "
                f"item {span[0]}–{span[1]}; expected option sets with the same range",
            )
            sound = False
    return span if sound else None


def _check_bands(bands: list[Band], span: tuple[int, int], base: str, problem: Problem) -> None:
    low, high = span
    expected = float(low)
    for k, band in enumerate(bands):
        if band.lower != expected:
            why = "the lowest score" if k == 0 else f"the upper bound of bands[{k - 1}]"
            problem(
                f"{base}[{k}].lower",
                f"is {band.lower:g}; expected {expected:g}, {why}, "
                f"so that the bands cover [{low}, {high}] without gaps or overlaps",
            )
        if band.upper <= band.lower:
            problem(f"{base}[{k}].upper", f"is {band.upper:g}; expected more than {band.lower:g}")
        expected = band.upper
    if bands[-1].upper != high:
        problem(
            f"{base}[{len(bands) - 1}].upper",
            f"is {bands[-1].upper:g}; expected {high}, the highest score, "
            f"so that the bands cover [{low}, {high}]",
        )


def item_kind(item: LikertItem | SingleChoiceItem) -> str:
    return "likert" if isinstance(item, LikertItem) else "single_choice"


# --- scoring: the reference the release engine follows ------------------------------------


def option_range(instrument: Instrument, option_set_id: str) -> tuple[int, int]:
    """The lowest and highest value of an option set."""
    option_set = next(s for s in instrument.option_sets if s.id == option_set_id)
    return option_set.options[0].value, option_set.options[-1].value


def required_answers(scale: Scale) -> int:
    """How many of the scale's items must be answered for the respondent to count in it."""
    # Rounding first keeps 0.7 * 10 at 7 rather than 7.000000000000001 -> 8.
    return max(1, math.ceil(round(scale.min_answered * len(scale.items), 9)))


def score_scale(instrument: Instrument, scale: Scale, answers: Sequence[int]) -> float | None:
    """The mean of the answered items after reverse coding, or None with too few answers.

    `answers[i]` is the answer to `instrument.items[i]`; 0 means skipped.
    """
    position = {item.id: i for i, item in enumerate(instrument.items)}
    values: list[int] = []
    for item_id in scale.items:
        item = instrument.items[position[item_id]]
        answer = answers[position[item_id]]
        if answer == 0 or not isinstance(item, LikertItem):
            continue
        low, high = option_range(instrument, item.options)
        values.append(low + high - answer if item.reverse else answer)
    if len(values) < required_answers(scale):
        return None
    return sum(values) / len(values)


def band_for(scale: Scale, score: float) -> Band:
    """The band a score falls in: [lower, upper), the last band closed at its upper bound."""
    for band in scale.bands[:-1]:
        if score < band.upper:
            return band
    return scale.bands[-1]


# --- stored instruments -------------------------------------------------------------------


def default_title(instrument: Instrument) -> str:
    return instrument.title[instrument.languages[0]]


async def sync_instruments(conn: Conn, directory: Path) -> list[InstrumentRow]:
    """Store every version of the files in `directory` not stored yet; idempotent.

    A version already stored is marked as loaded again, so that the latest version of a slug
    is the one in the folder now, even after a file is put back to an earlier text.
    """
    rows: list[InstrumentRow] = []
    for loaded in load_instruments_dir(directory):
        rows.append(
            await queries.insert_instrument(
                conn,
                slug=loaded.instrument.slug,
                version=loaded.version,
                sha256=loaded.sha256,
                title=default_title(loaded.instrument),
                body=loaded.body,
            )
        )
    return rows


async def list_instruments(conn: Conn) -> list[InstrumentSummary]:
    """The latest version of every instrument, by slug."""
    return [summarize(row) for row in await queries.list_latest_instruments(conn)]


def summarize(row: InstrumentRow) -> InstrumentSummary:
    instrument = row.instrument
    return InstrumentSummary(
        instrument_id=row.instrument_id,
        slug=row.slug,
        version=row.version,
        title=instrument.title,
        languages=instrument.languages,
        item_count=len(instrument.items),
        scales=[
            ScaleSummary(id=s.id, name=s.name, item_count=len(s.items)) for s in instrument.scales
        ],
        loaded_at=row.loaded_at,
    )


async def fetch_instrument(conn: Conn, slug: str, version: str | None = None) -> InstrumentRow:
    """The latest version of `slug`, or the given version of it."""
    if version is None:
        row = await queries.fetch_latest_instrument(conn, slug)
        if row is None:
            raise InstrumentNotFound(
                f"No instrument `{slug}` is loaded. List them at /api/v1/instruments.",
                slug=slug,
            )
        return row
    row = await queries.fetch_instrument_version(conn, slug, version)
    if row is None:
        raise InstrumentNotFound(
            f"Instrument `{slug}` has no version `{version}`. "
            "Leave `version` out for the latest one.",
            slug=slug,
            version=version,
        )
    return row


async def fetch_instruments_by_ids(conn: Conn, ids: list[int]) -> list[InstrumentRow]:
    """The instruments with these ids, in the order given; an unknown id raises."""
    found = {row.instrument_id: row for row in await queries.list_instruments_by_ids(conn, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InstrumentNotFound(
            f"No instrument has the id {', '.join(map(str, missing))}.", instrument_ids=missing
        )
    return [found[i] for i in ids]
