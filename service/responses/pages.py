"""The responder's pages, rendered to HTML bytes.

Rendered with their own Jinja environment (autoescaped) rather than the app's template
engine, so that the security middleware can render an error page for any response on a
survey address, even one that never reached a route (404, 405).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import msgspec

from service.programs.schemas import Resource
from service.responses import i18n
from service.responses.schemas import SubmissionResult, SurveyLayout, SurveyPage

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates" / "respond"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates ship with the code: no file check on every render.
    auto_reload=False,
)
# The thank-you page is the same for everyone who answers a survey in one language (it
# holds nothing about the person), so each process renders it once per program text.
MAX_CACHED_THANKS = 256
_thanks: dict[bytes, bytes] = {}


def load_templates() -> None:
    """Compile every responder template now (about 20 ms), not for the first person who
    answers after a start."""
    for name in _env.list_templates():
        _env.get_template(name)


def render(name: str, lang: str, **context: Any) -> bytes:
    """A responder template, with `t` for the page strings in `lang`."""
    return _render(name, lang, **context)


def _render(name: str, lang: str, **context: Any) -> bytes:
    def t(key: str, **values: object) -> str:
        return i18n.text(lang, key, **values)

    html = _env.get_template(name).render(lang=lang, t=t, **context)
    return html.encode()


def anchor(key: str) -> str:
    """The element id of a question (keys hold dots, which ids may but selectors dislike)."""
    return "q-" + key.replace(".", "-")


def help_contacts(resources: list[Resource], lang: str) -> list[dict[str, Any]]:
    """The program's contacts in `lang`, each phone number with the tel: link that dials it."""
    return [
        {
            "name": (_plain(r.names) or {}).get(lang) or r.name,
            "kind": r.kind,
            "contact": r.contact,
            "phone": r.phone,
            "tel": None if r.phone is None else "tel:" + re.sub(r"[^0-9+]", "", r.phone),
            "url": r.url,
            "description": i18n.localized(_plain(r.description), lang),
        }
        for r in resources
    ]


def _trust(page: SurveyPage, lang: str) -> dict[str, str]:
    """Who runs the survey, the smallest group ever shown, and when results are shared."""
    who = i18n.localized(page.run_by, lang)
    shared = "shared_on_close" if page.release_on_close else "shared_after_close"
    return {
        "run_by": i18n.text(lang, "run_by", who=who) if who else "",
        "leaders": i18n.text(lang, "stored_leaders", min_group=page.min_group),
        "shared": i18n.text(lang, shared, date=i18n.long_date(page.closes_at, lang)),
    }


def _sections(
    layout: SurveyLayout, lang: str, selected: Mapping[str, str], errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    number = 0
    total = len(layout.sections)
    for position, section in enumerate(layout.sections, 1):
        items = []
        for item in section.items:
            number += 1
            chosen = selected.get(item.key, "")
            items.append(
                {
                    "key": item.key,
                    "anchor": anchor(item.key),
                    "number": number,
                    "text": i18n.localized(item.text, lang, item.languages),
                    "error": errors.get(item.key),
                    "options": [
                        {
                            "value": str(option.value),
                            "label": i18n.localized(option.label, lang, item.languages),
                            "checked": chosen == str(option.value),
                        }
                        for option in item.options
                    ],
                    "skipped": chosen == "0",
                }
            )
        sections.append(
            {
                "slug": section.slug,
                "progress": i18n.text(lang, "section_of", number=position, total=total),
                "title": i18n.localized(section.title, lang, section.languages),
                "description": i18n.localized(section.description, lang, section.languages),
                "items": items,
            }
        )
    return sections


def survey(
    page: SurveyPage,
    lang: str,
    form_key: str,
    *,
    code: str = "",
    selected: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    form_error: str | None = None,
) -> bytes:
    """The survey form; after a refused submission, with the errors and every answer kept."""
    if page.layout is None:
        raise ValueError("a scheduled wave has no questions yet")
    errors = errors or {}
    sections = _sections(page.layout, lang, selected or {}, errors)
    count = len(page.layout.keys)
    labels = {
        item["key"]: f"{item['number']}. {item['text']}" for s in sections for item in s["items"]
    }
    mode = page.layout.mode if page.layout.mode in ("open", "links") else "cards"
    fields = {"code": "#code", "token": "#token-field", "answers": "#send-empty"}
    summary = [
        {
            "href": fields.get(field, "#" + anchor(field)),
            "label": i18n.text(lang, "token_title" if mode == "links" else f"code_label_{mode}")
            if field in ("code", "token")
            else labels.get(field, ""),
            "message": message,
        }
        for field, message in errors.items()
        if field in fields or field in labels
    ]
    return _render(
        "survey.html",
        lang,
        page=page,
        sections=sections,
        form_key=form_key,
        code=code,
        errors=errors,
        form_error=form_error,
        summary=summary,
        mode=mode,
        token_spent=errors.get("token") == i18n.text(lang, "error.token.spent"),
        items=count,
        minutes=i18n.minutes_for(count),
        switch=_switch(lang),
        trust=_trust(page, lang),
        contacts=help_contacts(page.resources, lang),
    )


def _switch(lang: str) -> list[tuple[str, str]]:
    return [(other, i18n.NATIVE[other]) for other in i18n.LANGUAGES if other != lang]


def state(page: SurveyPage, lang: str) -> bytes:
    """The page of a survey that is not open: when it opens, or when it closed."""
    if page.state == "scheduled":
        title = i18n.text(lang, "scheduled_title")
        body = i18n.text(lang, "scheduled_body", date=i18n.long_date(page.opens_at, lang))
    else:
        title = i18n.text(lang, "closed_title")
        body = i18n.text(lang, "closed_body", date=i18n.long_date(page.closes_at, lang))
    return _render(
        "state.html",
        lang,
        title=title,
        body=body,
        program_name=page.program_name,
        switch=_switch(lang),
        contacts=help_contacts(page.resources, lang),
    )


def thanks(result: SubmissionResult, lang: str) -> bytes:
    """The thank-you page with the program's resources. It holds no code and no key."""
    key = msgspec.json.encode([lang, result.program_name, result.resources])
    cached = _thanks.get(key)
    if cached is not None:
        return cached
    contacts = help_contacts(result.resources, lang)
    page = _render(
        "thanks.html", lang, program_name=result.program_name, contacts=contacts, thanks=True
    )
    if len(_thanks) >= MAX_CACHED_THANKS:
        _thanks.clear()
    _thanks[key] = page
    return page


def _plain(text: Any) -> dict[str, str] | None:
    if text is None:
        return None
    return {k: v for k, v in (("en", text.en), ("fr", text.fr)) if v}


def start(lang: str, code: str = "", errors: Mapping[str, str] | None = None) -> bytes:
    """The short address printed on cards (/c): type the code, get its survey."""
    return _render("start.html", lang, code=code, errors=errors or {}, switch=_switch(lang))


def error(status: int, lang: str) -> bytes:
    """A plain error page for a survey address; it says nothing about what was sent."""
    shown = i18n.error_status(status)
    return _render(
        "error.html",
        lang,
        title=i18n.text(lang, f"error_title.{shown}"),
        body=i18n.text(lang, f"error_body.{shown}"),
        contacts=[],
    )
