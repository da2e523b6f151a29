"""The issuance page, /t/<survey_key>, rendered like the other responder pages."""

from __future__ import annotations

from service.db import Conn
from service.errors import DomainError, SurveyNotFound
from service.responses import i18n, pages
from service.responses import service as responses
from service.tokens.schemas import WaveKey


def _switch(lang: str) -> list[tuple[str, str]]:
    return [(other, i18n.NATIVE[other]) for other in i18n.LANGUAGES if other != lang]


async def token_page(conn: Conn, survey_key: str, key: WaveKey, lang: str) -> bytes:
    page = await responses.fetch_survey_page(conn, survey_key)
    return pages.render(
        "token.html",
        lang,
        survey_key=survey_key,
        program_name=page.program_name,
        variant=key.variant,
        switch=_switch(lang),
    )


async def unavailable(
    conn: Conn, survey_key: str, lang: str, exc: DomainError
) -> tuple[bytes, int]:
    """Why no token can be had here: the survey's not-open page, or not found."""
    if isinstance(exc, SurveyNotFound):
        return pages.error(404, lang), 404
    try:
        page = await responses.fetch_survey_page(conn, survey_key)
    except SurveyNotFound:
        return pages.error(404, lang), 404
    if page.state == "open":  # open, but not a links wave
        return pages.error(404, lang), 404
    return pages.state(page, lang), exc.status
