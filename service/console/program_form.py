"""The program form: its inputs as text, what it sent as typed data, and problems beside
the inputs. Blank resource rows are left out, so a service's `resources[k]` is mapped back to
the row of the form it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from service.console import forms
from service.console.forms import Errors
from service.errors import DomainError, FieldError
from service.i18n import N_, gettext
from service.policy import PrivacyPolicy
from service.programs.schemas import Program, ProgramCreate, Resource

POLICY_FLOATS = ("annual_epsilon_cap", "delta", "max_half_width")
POLICY_INTS = ("waves_per_year", "min_publish_count", "histogram_levels")
# Optional: empty means the policy's default (for epsilon_per_wave, the year's budget
# divided by its waves; for max_pooled_half_width, 0.5).
POLICY_OVERRIDES = ("epsilon_per_wave", "max_pooled_half_width")
RESOURCE_ROWS = 3
RESOURCE_FIELDS = (
    *("name", "name_fr", "kind", "phone", "contact", "url"),
    *("description_en", "description_fr"),
)
# Who runs the survey, per language, as the survey page says it.
RUN_BY_FIELDS = ("run_by.en", "run_by.fr")
PROGRAM_FIELDS = (
    "name",
    "root_unit",
    "instruments",
    "cadence",
    "window",
    "starts_at",
    "mode",
    "policy.preset",
    *(f"policy.{n}" for n in (*POLICY_FLOATS, *POLICY_INTS, *POLICY_OVERRIDES)),
    "policy.mechanism",
    "policy.level_shares",
    "policy.level_statistics",
    "policy.release_on_close",
    *(f"resources[{i}].{f}" for i in range(RESOURCE_ROWS) for f in RESOURCE_FIELDS),
    *RUN_BY_FIELDS,
)
MODES = (
    (
        "cards",
        N_("Paper cards"),
        N_("One printed card with a QR code per person; no email needed."),
    ),
    (
        "links",
        N_("Emailed links"),
        N_("One issuance link per person for your mail system; answers use blind-signed tokens."),
    ),
    (
        "open",
        N_("Open unit link"),
        N_("One link per unit; people could answer twice, so results are marked unverified."),
    ),
)
# Schedules in words; the stored form (and the API's) stays ISO 8601. "other": the text input.
CADENCES = (
    ("P1M", N_("Every month")),
    ("P2M", N_("Every 2 months")),
    ("P3M", N_("Every 3 months")),
    ("P4M", N_("Every 4 months")),
    ("P6M", N_("Every 6 months")),
    ("P1Y", N_("Every year")),
    ("other", N_("Another duration (below)")),
)
WINDOWS = (
    ("P7D", N_("Open for 1 week")),
    ("P14D", N_("Open for 2 weeks")),
    ("P21D", N_("Open for 3 weeks")),
    ("P1M", N_("Open for 1 month")),
    ("other", N_("Another duration (below)")),
)
# Named privacy settings; "custom" keeps the numbers typed below them.
PRESETS: dict[str, dict[str, str]] = {
    "standard": {
        "policy.annual_epsilon_cap": "4",
        "policy.epsilon_per_wave": "",
        "policy.delta": "1e-07",
        "policy.min_publish_count": "10",
        "policy.max_half_width": "0.25",
    },
    "stronger": {
        "policy.annual_epsilon_cap": "2",
        "policy.epsilon_per_wave": "",
        "policy.delta": "1e-07",
        "policy.min_publish_count": "15",
        "policy.max_half_width": "0.3",
    },
    "detail": {
        "policy.annual_epsilon_cap": "8",
        "policy.epsilon_per_wave": "",
        "policy.delta": "1e-07",
        "policy.min_publish_count": "10",
        "policy.max_half_width": "0.25",
    },
}
PRESET_CHOICES = (
    (
        "standard",
        N_("Standard"),
        N_("ε = 4 per person per year; a unit is shown from 10 answers, within ± 0.25."),
    ),
    (
        "stronger",
        N_("Stronger privacy"),
        N_("ε = 2 per year; shown from 15 answers, within ± 0.3: fewer units show scores."),
    ),
    (
        "detail",
        N_("More detail"),
        N_("ε = 8 per year: more units show scores; a weaker guarantee."),
    ),
    ("custom", N_("Custom"), N_("The numbers below, as typed.")),
)
RESOURCE_KINDS = (
    ("peer_support", N_("Peer support")),
    ("eap", N_("Employee assistance (EAP)")),
    ("crisis_line", N_("Crisis line")),
    ("chaplain", N_("Chaplain")),
    ("other", N_("Other")),
)


@dataclass
class ProgramForm:
    values: dict[str, Any]
    raw: dict[str, Any]
    errors: Errors
    # The form row of each resource kept (blank rows are left out).
    resource_rows: list[int] = field(default_factory=list)


def fmt(value: float) -> str:
    return f"{value:g}"


def program_values(program: Program | None) -> dict[str, Any]:
    """The inputs of the program form, as text: a program's settings or the defaults."""
    policy = program.policy if program is not None else PrivacyPolicy()
    values: dict[str, Any] = {
        "name": program.name if program else "",
        "root_unit": program.root_unit_path if program else "",
        "instruments": [i.slug for i in program.instruments] if program else [],
        "cadence": program.cadence if program else "P3M",
        "window": program.window if program else "P14D",
        "starts_at": (
            program.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if program else ""
        ),
        "mode": program.mode if program else "cards",
        "policy.mechanism": policy.mechanism,
        "policy.release_on_close": policy.release_on_close,
        "policy.level_shares": (
            ", ".join(fmt(s) for s in policy.level_shares) if policy.level_shares else ""
        ),
        "policy.level_statistics": ", ".join(policy.level_statistics or []),
    }
    for name in (*POLICY_FLOATS, *POLICY_INTS, *POLICY_OVERRIDES):
        value = getattr(policy, name)
        values[f"policy.{name}"] = "" if value is None else fmt(value)
    values["policy.preset"] = preset_of(values)
    for name, choices in (("cadence", CADENCES), ("window", WINDOWS)):
        chosen = values[name] in {value for value, _ in choices}
        values[f"{name}_choice"] = values[name] if chosen else "other"
    resources = program.resources if program else []
    for i in range(RESOURCE_ROWS):
        resource = resources[i] if i < len(resources) else None
        values[f"resources[{i}].name"] = resource.name if resource else ""
        values[f"resources[{i}].kind"] = resource.kind if resource else "peer_support"
        values[f"resources[{i}].contact"] = (resource.contact or "") if resource else ""
        values[f"resources[{i}].url"] = (resource.url or "") if resource else ""
        values[f"resources[{i}].phone"] = (resource.phone or "") if resource else ""
        names, description = (resource.names, resource.description) if resource else (None, None)
        values[f"resources[{i}].name_fr"] = (names.fr or "") if names else ""
        values[f"resources[{i}].description_en"] = (description.en or "") if description else ""
        values[f"resources[{i}].description_fr"] = (description.fr or "") if description else ""
    run_by = program.run_by if program else None
    for name in RUN_BY_FIELDS:
        values[name] = (getattr(run_by, name[7:]) or "") if run_by else ""
    return values


def _localized(**texts: str) -> dict[str, str] | None:
    kept = {lang: text for lang, text in texts.items() if text}
    return kept or None


def read_run_by(form: Any, values: dict[str, Any]) -> dict[str, str] | None:
    for name in RUN_BY_FIELDS:
        values[name] = forms.text(form, name, 1000)
    return _localized(en=values["run_by.en"], fr=values["run_by.fr"])


def preset_of(values: dict[str, Any]) -> str:
    """The named preset whose numbers the values hold, else "custom"."""
    for name, preset in PRESETS.items():
        if all(_same(values.get(k, ""), v) for k, v in preset.items()):
            return name
    return "custom"


def _same(typed: str, preset: str) -> bool:
    try:
        return float(typed) == float(preset)
    except ValueError:
        return typed == preset


def read_resources(form: Any, values: dict[str, Any], result: ProgramForm) -> list[Any]:
    kept: list[dict[str, Any]] = []
    for i in range(RESOURCE_ROWS):
        row = {f: forms.text(form, f"resources[{i}].{f}", 2000) for f in RESOURCE_FIELDS}
        for f in RESOURCE_FIELDS:
            values[f"resources[{i}].{f}"] = row[f]
        if not (row["name"] or row["contact"] or row["url"] or row["phone"]):
            continue
        resource: dict[str, Any] = {"name": row["name"], "kind": row["kind"] or "other"}
        for name in ("contact", "url", "phone"):
            if row[name]:
                resource[name] = row[name]
        if names := _localized(fr=row["name_fr"]):
            resource["names"] = names
        if description := _localized(en=row["description_en"], fr=row["description_fr"]):
            resource["description"] = description
        kept.append(resource)
        result.resource_rows.append(i)
        result.errors.update(
            forms.errors_of(
                forms.check_fields(Resource, resource, f"resources[{i}]."), PROGRAM_FIELDS
            )
        )
    return kept


def read_program_form(form: Any, *, frozen: bool) -> ProgramForm:
    """What the program form sent: the text to show again, and the typed data to check."""
    values: dict[str, Any] = {"name": forms.text(form, "name", 1000)}
    result = ProgramForm(values=values, raw={"name": values["name"]}, errors={})
    errors = result.errors
    result.raw["resources"] = read_resources(form, values, result)
    result.raw["run_by"] = read_run_by(form, values)
    if frozen:
        errors.update(
            forms.errors_of(forms.check_fields(ProgramCreate, {"name": values["name"]}), ("name",))
        )
        return result
    for name in ("root_unit", "cadence", "window", "starts_at", "mode"):
        values[name] = forms.text(form, name, 1000)
    for name, choices in (("cadence", CADENCES), ("window", WINDOWS)):
        # A choice in words wins over the text input, which "other" leaves to be typed.
        choice = forms.text(form, f"{name}_choice", 20)
        values[f"{name}_choice"] = choice or "other"
        if choice in {value for value, _ in choices} - {"other"}:
            values[name] = choice
    values["cadence"] = values["cadence"].upper()
    values["window"] = values["window"].upper()
    values["instruments"] = forms.texts(form, "instruments", 64)
    raw = result.raw
    raw.update(
        {
            "root_unit": values["root_unit"],
            "instruments": values["instruments"],
            "cadence": values["cadence"],
            "window": values["window"],
            "mode": values["mode"] or "cards",
        }
    )
    if not values["instruments"]:
        errors["instruments"] = gettext("Choose at least one instrument.")
    if not values["root_unit"]:
        errors["root_unit"] = gettext("Choose the unit whose subtree the program covers.")
    starts_at = forms.utc_datetime(values["starts_at"], "starts_at", errors)
    policy: dict[str, Any] = {}
    preset_name = forms.text(form, "policy.preset", 20)
    values["policy.preset"] = preset_name if preset_name in PRESETS else "custom"
    preset = PRESETS.get(preset_name, {})
    for name in (*POLICY_FLOATS, *POLICY_INTS, *POLICY_OVERRIDES):
        key = f"policy.{name}"
        values[key] = preset[key] if key in preset else forms.text(form, key, 100)
    for name in POLICY_FLOATS:
        policy[name] = forms.number(values[f"policy.{name}"], f"policy.{name}", errors)
    for name in POLICY_INTS:
        policy[name] = forms.number(values[f"policy.{name}"], f"policy.{name}", errors, whole=True)
    for name in POLICY_OVERRIDES:
        if values[f"policy.{name}"]:
            policy[name] = forms.number(values[f"policy.{name}"], f"policy.{name}", errors)
    values["policy.mechanism"] = forms.text(form, "policy.mechanism", 20) or "gaussian"
    policy["mechanism"] = values["policy.mechanism"]
    values["policy.release_on_close"] = forms.checked(form, "policy.release_on_close")
    policy["release_on_close"] = values["policy.release_on_close"]
    # "Use the planner's shares" sends them with the form: they replace the field's text.
    values["policy.level_shares"] = forms.text(form, "apply_shares", 400) or forms.text(
        form, "policy.level_shares", 400
    )
    shares = read_shares(values["policy.level_shares"], errors)
    if shares:
        policy["level_shares"] = shares
    values["policy.level_statistics"] = forms.text(form, "policy.level_statistics", 400)
    if values["policy.level_statistics"]:
        policy["level_statistics"] = [
            part for part in re.split(r"[\s;,]+", values["policy.level_statistics"]) if part
        ]
    policy = {k: v for k, v in policy.items() if v is not None}
    raw["policy"] = policy
    top = {k: v for k, v in raw.items() if k not in {"policy", "resources"}}
    if starts_at is not None:
        raw["starts_at"] = top["starts_at"] = starts_at
    checked = forms.check_fields(ProgramCreate, top) + forms.check_fields(
        PrivacyPolicy, {k: v for k, v in policy.items() if f"policy.{k}" not in errors}, "policy."
    )
    for problem in forms.errors_of(checked, PROGRAM_FIELDS, lists=("instruments",)).items():
        errors.setdefault(*problem)
    return result


def read_shares(text: str, errors: Errors) -> list[float] | None:
    if not text:
        return None
    try:
        return [float(part) for part in re.split(r"[\s;,]+", text.strip()) if part]
    except ValueError:
        errors["policy.level_shares"] = gettext(
            "Enter numbers separated by commas, one share per level of the tree, the root's "
            "level first, adding up to 1, e.g. 0.6, 0.4; or leave this empty for the planner's "
            "best shares."
        )
        return None


def program_problem(exc: DomainError, result: ProgramForm) -> Errors:
    """A service's field errors beside the inputs (resource rows mapped to the form's rows)."""
    if exc.form_field in PROGRAM_FIELDS:
        return {exc.form_field: exc.detail}
    problems = []
    for problem in exc.errors or []:
        match = re.match(r"resources\[(\d+)\](.*)", problem.field)
        if match and int(match.group(1)) < len(result.resource_rows):
            row = result.resource_rows[int(match.group(1))]
            problem = FieldError(field=f"resources[{row}]{match.group(2)}", message=problem.message)
        problems.append(problem)
    out = forms.errors_of(problems, PROGRAM_FIELDS, lists=("instruments",))
    if not problems:
        out["form"] = exc.detail
    return out
