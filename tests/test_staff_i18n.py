"""Every word of the staff pages has its French (issue 15: bilingual staff pages).

The English text is the message id (service/i18n.py). These tests read the templates and the
Python source: a message with no French fails, so does visible template text written outside
`_()`, a French text whose placeholders differ from the English, and a French entry that no
page uses any more.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from service import i18n
from service.translations import __path__ as TRANSLATIONS_PATH

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "service" / "web" / "templates"
# The responder's pages have their own keyed catalogue (service/responses/i18n.py); the API
# reference viewer is a third-party page.
NOT_STAFF = ("respond/", "schema.html")
# Words that are the same in both languages and need no message.
SAME_IN_BOTH = {"Muster", "CSV", "PDF", "JSON", "Parquet", "API", "OpenDP", "ε", "δ", "ρ", "×"}
# Attributes a person sees or hears.
SHOWN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "aria-description"}
# Templates not yet translated (issue 15; all are now): a template listed here may show bare
# text, and the test below fails on a listed template that has become clean.
PENDING: set[str] = set()
MESSAGE_FUNCTIONS = {"_", "gettext", "ngettext"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
JINJA = re.compile(r"\{%-?\s*trans\b.*?endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True)
    i18n.install(env)
    return env


def staff_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not str(path.relative_to(TEMPLATES)).startswith(NOT_STAFF)
    ]


def _messages_in(message: str | tuple[str | None, ...] | None) -> list[str]:
    """The literal messages of one call; `_(label)` of a variable has none (its literals are
    marked `N_` where they are written)."""
    if message is None:
        return []
    if isinstance(message, str):
        return [message]
    return [m for m in message if isinstance(m, str)]


def template_messages() -> dict[str, str]:
    """Every message a staff template passes to `_`/`gettext`/`ngettext`, with where."""
    env = _environment()
    found: dict[str, str] = {}
    for path in staff_templates():
        source = path.read_text(encoding="utf-8")
        for line, _function, message in env.extract_translations(source):
            for text in _messages_in(message):
                found.setdefault(text, f"{path.relative_to(ROOT)}:{line}")
    return found


def python_messages() -> dict[str, str]:
    """Every literal message the service's Python passes to gettext/ngettext or marks N_."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "service").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in {"gettext", "ngettext", "_", "N_"}:
                continue
            count = 2 if name == "ngettext" else 1
            for arg in node.args[:count]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


class _Visible(HTMLParser):
    """The text and shown attributes of an HTML page, outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        self.texts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.texts.append(data)


def _bare_strings(source: str) -> list[str]:
    """String literals in Jinja expressions that read as words (macro labels, hints...) but
    are not a message: `f.field('email', 'Email address')` must say `_('Email address')`."""
    tree = _environment().parse(source)
    wrapped = {
        id(arg)
        for call in tree.find_all(jinja2.nodes.Call)
        if isinstance(call.node, jinja2.nodes.Name) and call.node.name in MESSAGE_FUNCTIONS
        for arg in call.args
    }
    return [
        const.value
        for const in tree.find_all(jinja2.nodes.Const)
        if isinstance(const.value, str)
        and id(const) not in wrapped
        and const.value not in SAME_IN_BOTH
        and (re.match(r"[A-Z][a-z]", const.value) or re.search(r"[a-z]{2,} [a-z]{2,}", const.value))
    ]


def _untranslated(source: str) -> list[str]:
    parser = _Visible()
    parser.feed(JINJA.sub(" ", source))
    words: list[str] = []
    for text in parser.texts:
        for piece in re.split(r"\s{2,}|\n", text):
            piece = piece.strip()
            if re.search(r"[^\W\d_]", piece) and piece not in SAME_IN_BOTH:
                words.append(piece)
    return words + _bare_strings(source)


def test_the_staff_pages_choose_from_the_same_languages_as_the_responder_pages() -> None:
    from service.responses import i18n as responder

    assert responder.LANGUAGES == i18n.LANGUAGES
    assert set(i18n.CATALOGS) == set(i18n.LANGUAGES) - {i18n.DEFAULT}


@pytest.mark.parametrize("path", staff_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_staff_template_shows_text_outside_a_message(path: Path) -> None:
    left = _untranslated(path.read_text(encoding="utf-8"))
    if str(path.relative_to(TEMPLATES)) in PENDING:
        assert left, "this template is translated: remove it from PENDING"
        return
    assert not left, f"wrap in {{{{ _(...) }}}} and translate in service/translations: {left}"


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT])
def test_every_staff_message_has_its_translation(lang: str) -> None:
    catalog = i18n.CATALOGS[lang]
    wanted = {**python_messages(), **template_messages()}
    missing = {message: where for message, where in wanted.items() if message not in catalog}
    assert not missing, f"no {lang} text for (message: where): {missing}"


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT])
def test_every_translation_keeps_the_placeholders_and_is_used(lang: str) -> None:
    wanted = {**python_messages(), **template_messages()}
    for message, text in i18n.CATALOGS[lang].items():
        assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(text)), message
        assert text.strip(), f"empty {lang} text for {message!r}"
    unused = sorted(set(i18n.CATALOGS[lang]) - set(wanted))
    assert not unused, f"{lang} texts no page uses any more (remove them): {unused}"


def test_a_message_in_two_areas_has_one_french() -> None:
    import importlib
    import pkgutil

    seen: dict[str, tuple[str, str]] = {}
    differ: list[tuple[str, str, str, str, str]] = []
    for info in pkgutil.iter_modules(TRANSLATIONS_PATH):
        lang = info.name.split("_", 1)[0]
        module = importlib.import_module(f"service.translations.{info.name}")
        for message, text in getattr(module, lang.upper()).items():
            key = f"{lang}:{message}"
            if key in seen and seen[key][1] != text:
                differ.append((message, seen[key][0], seen[key][1], info.name, text))
            seen[key] = (info.name, text)
    assert not differ, f"one English message, two texts (message, area, text, area, text): {differ}"


def test_the_checks_find_what_they_look_for() -> None:
    """The scanners themselves: bare text is found, wrapped text and markup are not."""
    assert _untranslated('<p>Units</p><a title="Open">{{ _("Go") }}</a>') == ["Units", "Open"]
    assert _untranslated('<p>{{ _("Units") }} · 12</p><script>let a = "x";</script>') == []
    assert _untranslated("{{ f.field('email', 'Email address', hint=_('Work')) }}") == [
        "Email address"
    ]
    env = _environment()
    source = '{{ _("A %(n)s", n=1) }}{{ ngettext("%(num)s a", "%(num)s b", 2) }}'
    found = [text for _l, _f, m in env.extract_translations(source) for text in _messages_in(m)]
    assert found == ["A %(n)s", "%(num)s a", "%(num)s b"]


def test_gettext_fills_placeholders_in_the_request_language() -> None:
    i18n.use("fr")
    try:
        assert i18n.gettext("no such message %(n)s", n=3) == "no such message 3"
        assert i18n.ngettext("%(num)s unit", "%(num)s units", 0) == "0 unit"
    finally:
        i18n.use("en")
    assert i18n.ngettext("%(num)s unit", "%(num)s units", 0) == "0 units"
