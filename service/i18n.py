"""The words of the staff pages (sign-in, dashboard, console, research), in English and French.

English text is the message id. A template says `{{ _("Units") }}`, with named `%(...)s`
placeholders for values (`{{ _("%(count)s units", count=n) }}`); Python says
`gettext("Units")` or `gettext("%(count)s units", count=n)`, at request time; a message kept
in a constant is marked `N_("Units")` and shown with `gettext(constant)`. The French for every
message lives in `service/translations/fr_*.py`, one file per area (`FR: dict[str, str]`). A message
with no French shows in English; `tests/test_staff_i18n.py` fails on one, and on visible
template text written outside `_()`.

The language of a request is chosen by `StaffLanguageMiddleware` before the router runs:
the `LANGUAGE_COOKIE` (set at sign-in from the account's preference, and by the language
switch), else Accept-Language, else English. Once the caller is known, an account's stored
preference overrides both (service.auth.guards). The choice lives in a context variable for
the rest of the request, so a message built in a service reads the same language as the
page that shows it.

This module is a leaf: it imports nothing from the service, so every package may use it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from contextvars import ContextVar
from datetime import datetime
from typing import Any

LANGUAGES = ("en", "fr")
DEFAULT = "en"
# The name of each language in itself, for the switch.
NATIVE = {"en": "English", "fr": "Français"}
# The staff member's chosen language, for browsers (set at sign-in and when they change it).
# __Host-, like the session cookie: Secure, Path=/, no Domain, so no sibling host can plant
# one (service.auth.controller.language_cookie writes it).
LANGUAGE_COOKIE = "__Host-muster_lang"

_MONTHS = {
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
}
_SHORT_MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.".split(),
}

# A box (one-item list) per request rather than the code itself: Litestar resolves a
# handler's dependencies in tasks of their own, each with a copy of the context, so a
# choice made there (the account's, in service.auth.guards) must change the request's box
# for the template rendered afterwards to see it.
_current: ContextVar[list[str] | None] = ContextVar("staff_language", default=None)
# True on the API's routes, whose words stay English whatever the account prefers.
_fixed: ContextVar[bool] = ContextVar("staff_language_fixed", default=False)
API_PREFIX = "/api/"


def _load_catalogs() -> dict[str, dict[str, str]]:
    """Every `service/translations/<lang>_<area>.py`'s `FR`-style dict, merged per language."""
    from service import translations

    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES if lang != DEFAULT}
    for info in sorted(pkgutil.iter_modules(translations.__path__), key=lambda i: i.name):
        lang = info.name.split("_", 1)[0]
        if lang not in merged:
            continue
        module = importlib.import_module(f"{translations.__name__}.{info.name}")
        merged[lang].update(getattr(module, lang.upper()))
    return merged


CATALOGS: dict[str, dict[str, str]] = _load_catalogs()


def language() -> str:
    """The language of the request being served (English outside one)."""
    box = _current.get()
    return box[0] if box else DEFAULT


def use(lang: str) -> None:
    """Make `lang` the language of the rest of this request (or test), from here down."""
    _current.set([lang if lang in LANGUAGES else DEFAULT])


def prefer(lang: str) -> None:
    """Make `lang` the language of the whole request being served, even when called from a
    dependency's task (the account's stored choice)."""
    if _fixed.get():
        return
    box = _current.get()
    if box is None:
        use(lang)
    elif lang in LANGUAGES:
        box[0] = lang


def gettext(message: str, **values: Any) -> str:
    """`message` in the request's language, with `%(name)s` placeholders filled."""
    text = _translated(language(), message)
    return text % values if values else text


def _translated(lang: str, message: str) -> str:
    """`message` from `lang`'s catalogue (English is the message itself), else as it is."""
    return message if lang == DEFAULT else CATALOGS[lang].get(message, message)


def N_(message: str) -> str:  # the usual name of gettext's no-op marker
    """Marks a message kept in a constant (a table of labels, a class's title) for translation;
    the code that shows it calls `gettext(value)` at request time."""
    return message


def _plural_form(singular: str, plural: str, n: int) -> str:
    """The form for `n` in the request's language, placeholders not yet filled."""
    lang = language()
    # French uses the singular for 0 and 1; English for 1 only.
    one = n in (0, 1) if lang == "fr" else n == 1
    return _translated(lang, singular if one else plural)


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for `n` (`num` is filled with `n` too)."""
    return _plural_form(singular, plural, n) % {"num": n, **values}


def local_text(text: Mapping[str, str]) -> str:
    """An instrument's text (`{en, fr}`) in the request's language, else English, else the
    first language it has."""
    return text.get(language()) or text.get(DEFAULT) or next(iter(text.values()), "")


def pick(value: str | None) -> str | None:
    """`value` when it names a language we have, else None."""
    return value if value in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an Accept-Language header (RFC 9110 §12.5.4)."""
    best, best_q = DEFAULT, 0.0
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().split("-", 1)[0].lower()
        q = 1.0
        for param in params.split(";"):
            name, _, raw = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(raw)
                except ValueError:
                    q = 0.0
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def long_date(moment: datetime, lang: str | None = None) -> str:
    """A date people read without effort: '6 January 2031', '1er janvier 2031' (as given)."""
    lang = lang or language()
    day = moment.day
    month = _MONTHS.get(lang, _MONTHS[DEFAULT])[moment.month - 1]
    if lang == "fr" and day == 1:
        return f"1er {month} {moment.year}"
    return f"{day} {month} {moment.year}"


def short_date(moment: datetime, lang: str | None = None) -> str:
    """'6 Jan 2031', '6 janv. 2031'."""
    lang = lang or language()
    month = _SHORT_MONTHS.get(lang, _SHORT_MONTHS[DEFAULT])[moment.month - 1]
    return f"{moment.day} {month} {moment.year}"


def install(environment: Any) -> None:
    """Give a Jinja environment `_`, `gettext` and `ngettext` in the request's language."""
    environment.add_extension("jinja2.ext.i18n")
    # Jinja's newstyle callables fill the placeholders themselves (escaping the values), so
    # these give the chosen text unfilled: filling it twice would break on `%%` and on any
    # placeholder other than `num`.
    environment.install_gettext_callables(  # the extension's own method
        lambda message: gettext(message),
        _plural_form,
        newstyle=True,
    )
    environment.globals["current_language"] = language
    environment.globals["long_date"] = long_date
    environment.globals["short_date"] = short_date
    environment.globals["LANGUAGES"] = NATIVE


def _header(scope: MutableMapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class StaffLanguageMiddleware:
    """Chooses each request's language before anything renders: cookie, else Accept-Language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if str(scope.get("path", "")).startswith(API_PREFIX):
                # The API speaks English whatever the request asks (docs/operations.md):
                # scripts and logs match on its problem documents.
                _current.set([DEFAULT])
                _fixed.set(True)
            else:
                chosen = pick(_cookie(_header(scope, b"cookie"), LANGUAGE_COOKIE))
                _fixed.set(False)
                use(chosen or negotiate(_header(scope, b"accept-language")))
        await self.app(scope, receive, send)
