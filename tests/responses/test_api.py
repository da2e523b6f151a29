from __future__ import annotations

import html
import logging
import re
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from service.invitations.codes import group, normalise
from service.metrics import controller as metrics
from service.responses import queries
from service.responses import service as responses
from service.responses.controller import parse_urlencoded
from service.responses.middleware import RESPONDENT_HEADERS, RespondentPrivacyMiddleware
from service.responses.ratelimit import FailureLimiter
from service.waves import service as waves
from tests.factories import (
    T0,
    Survey,
    make_cards,
    make_open_link,
    make_session,
    make_staff,
    make_survey,
    mistype,
    responses_of,
    wave_keys,
)

FORM_KEY = re.compile(r'name="form_key" value="([A-Za-z0-9_-]{43})"')


def seeded(seed: Any, count: int = 1, **options: Any) -> tuple[Survey, list[str], list[str]]:
    # A closed wave keeps no code relation: its cards are printed while it is open.
    closed = options.get("state") == "closed"
    if closed:
        options["state"] = "open"

    async def go(conn: Any) -> tuple[Survey, list[str], list[str]]:
        survey = await make_survey(conn, **options)
        codes = await make_cards(conn, survey.wave_id, survey.unit_id, count)
        if closed:
            await waves.close_wave(conn, None, survey.wave_id, T0 + timedelta(days=1))
        return survey, codes, await wave_keys(conn, survey.wave_id)

    result: tuple[Survey, list[str], list[str]] = seed(go)
    return result


def form_key_of(page: str) -> str:
    found = FORM_KEY.search(page)
    assert found, "the page has no form key"
    return found.group(1)


def post(
    client: TestClient[Any], survey: Survey, code: str, answers: dict[str, Any], **extra: str
) -> Any:
    page = client.get(f"/s/{survey.survey_key}")
    data = {"code": code, "form_key": form_key_of(page.text), **answers, **extra}
    return client.post(f"/s/{survey.survey_key}", data=data)


def checked(page: str) -> set[tuple[str, str]]:
    """(item key, value) of every radio button the page shows as chosen."""
    found = re.findall(r'<input type="radio" name="([^"]+)" value="(\d+)" checked>', page)
    return {(name, value) for name, value in found}


def assert_private(response: Any) -> None:
    for name, value in RESPONDENT_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "set-cookie" not in response.headers


# --- the page ---------------------------------------------------------------------------------


def test_an_open_survey_shows_what_is_stored_then_the_code_then_every_question(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, _codes, keys = seeded(seed)
    layout = seed(lambda c: responses.fetch_survey_layout(c, survey.survey_key))
    response = respondent.get(f"/s/{survey.survey_key}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en">' in page
    stored = page.index("What is kept, and what is not")
    code_field = page.index('id="code"')
    first_question = page.index("<fieldset")
    assert stored < code_field < first_question
    field = re.search(r"<textarea id=\"code\"[^>]*>", page, re.S)
    assert field is not None
    for attribute in (
        'autocomplete="off"',
        'inputmode="text"',
        'autocapitalize="characters"',
        'name="code"',
    ):
        assert attribute in field.group(0)
    assert '<label for="code">Code from your card</label>' in page
    options = {i.key: len(i.options) for section in layout.sections for i in section.items}
    assert list(options) == keys
    for key in keys:
        # A radio button per option and one for "prefer not to answer".
        assert page.count(f'name="{key}"') == options[key] + 1
    assert page.count("Prefer not to answer") == len(keys)
    assert " checked" not in page  # nothing is preselected
    assert '<script src="/static/respond.js" defer></script>' in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None  # no inline script
    assert " style=" not in page and "<style" not in page  # CSP: no inline style
    # Nothing from elsewhere; the help section's links to the program's websites aside.
    before_help = page[: page.index('id="help"')]
    assert "http://" not in before_help and "https://" not in before_help
    assert not re.search(r'src="https?://', page)
    # Help is on every page, after the questions.
    assert page.index("Peer Support Team") > page.index('class="submit"')


def test_each_render_carries_a_new_form_key(respondent: TestClient[Any], seed: Any) -> None:
    survey, _codes, _keys = seeded(seed)
    keys = {form_key_of(respondent.get(f"/s/{survey.survey_key}").text) for _ in range(3)}
    assert len(keys) == 3


@pytest.mark.parametrize(
    ("url", "accept", "lang", "phrase"),
    [
        ("", "fr-CA,fr;q=0.9", "fr", "Code inscrit sur votre carte"),
        ("", "en-GB", "en", "Code from your card"),
        ("", None, "en", "Code from your card"),
        ("?lang=fr", "en", "fr", "Je préfère ne pas répondre"),
        ("?lang=en", "fr", "en", "Prefer not to answer"),
        ("?lang=xx", "fr", "fr", "Envoyer mes réponses"),
    ],
)
def test_the_language_follows_accept_language_and_the_switch(
    respondent: TestClient[Any], seed: Any, url: str, accept: str | None, lang: str, phrase: str
) -> None:
    survey, _codes, _keys = seeded(seed)
    headers = {"Accept-Language": accept} if accept else {}
    page = respondent.get(f"/s/{survey.survey_key}{url}", headers=headers).text
    assert f'<html lang="{lang}">' in page
    assert phrase in html.unescape(page)
    other = "en" if lang == "fr" else "fr"
    # The switch sends the form back, so a code and answers are not lost (issue 16).
    assert f'name="switch" value="{other}"' in page
    if lang == "fr":
        # The instrument's own French text, not only the page's words.
        assert "Ouverture au travail" in html.unescape(page)


@pytest.mark.parametrize(
    ("state", "phrase"),
    [
        ("scheduled", "This survey opens on 6 January 2031."),
        ("closed", "This survey closed on 7 January 2031."),
    ],
)
def test_a_survey_that_is_not_open_says_when(
    respondent: TestClient[Any], seed: Any, state: str, phrase: str
) -> None:
    survey, _codes, _keys = seeded(seed, state=state)
    response = respondent.get(f"/s/{survey.survey_key}")
    assert response.status_code == 200
    assert phrase in response.text
    assert 'name="code"' not in response.text
    assert_private(response)


def test_a_closed_survey_says_when_in_french(respondent: TestClient[Any], seed: Any) -> None:
    survey, _codes, _keys = seeded(seed, state="closed")
    page = respondent.get(f"/s/{survey.survey_key}?lang=fr").text
    assert "Ce sondage a pris fin le 7 janvier 2031." in html.unescape(page)


@pytest.mark.parametrize("path", ["/s/" + "0" * 32, "/s/nope", "/s/", "/s/abc/def"])
def test_an_unknown_survey_address_is_an_html_404(respondent: TestClient[Any], path: str) -> None:
    response = respondent.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Survey not found" in response.text
    assert_private(response)


# --- submitting -------------------------------------------------------------------------------


def test_a_submission_is_thanked_with_the_resources_and_stored(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    response = post(respondent, survey, code, {keys[0]: "4", keys[1]: "0", keys[2]: ""})
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Thank you" in page
    for text in ("Peer Support Team", "Text or call 555-0100, any hour", "https://988lifeline.org"):
        assert text in page
    for form in (code, normalise(code), group(normalise(code)), code.lower()):
        assert form not in page
    assert 'name="form_key"' not in page
    assert_private(response)
    stored = seed(lambda c: responses_of(c, survey.wave_id))
    expected = [0] * len(keys)
    expected[0] = 4
    assert stored == [
        {"wave_id": survey.wave_id, "unit_id": survey.unit_id, "answers": bytes(expected)}
    ]


def test_the_thank_you_page_is_in_the_chosen_language(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], _keys = seeded(seed)
    response = post(respondent, survey, code, {}, lang="fr", send_empty="yes")
    page = html.unescape(response.text)
    assert '<html lang="fr">' in page
    assert "Merci" in page and "Des collègues formés." in page


def test_a_mistyped_code_comes_back_with_its_error_and_every_answer_kept(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    answers = {keys[0]: "5", keys[3]: "1", keys[4]: "0"}
    response = post(respondent, survey, mistype(code), answers)
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "The code has a typing mistake" in page
    assert checked(response.text) == set(answers.items())
    assert 'aria-invalid="true"' in response.text
    assert seed(lambda c: responses_of(c, survey.wave_id)) == []
    assert_private(response)


@pytest.mark.parametrize(
    ("setup", "status", "message"),
    [
        ("unknown", 422, "This code is not valid for this survey."),
        ("spent", 409, "This card has already been used."),
    ],
)
def test_an_unknown_or_used_code_comes_back_with_answers_kept(
    respondent: TestClient[Any], seed: Any, setup: str, status: int, message: str
) -> None:
    survey, [code], keys = seeded(seed)
    if setup == "unknown":
        seed(lambda c: c.execute("DELETE FROM invitation"))
    else:
        assert post(respondent, survey, code, {}, send_empty="yes").status_code == 200
    answers = {keys[1]: "2"}
    response = post(respondent, survey, code, answers)
    assert response.status_code == status
    assert message in html.unescape(response.text)
    assert checked(response.text) == set(answers.items())


def test_a_double_click_gets_the_same_thanks_and_stores_one_row(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    form_key = form_key_of(respondent.get(f"/s/{survey.survey_key}").text)
    data = {"code": code, "form_key": form_key, keys[0]: "3"}
    first = respondent.post(f"/s/{survey.survey_key}", data=data)
    second = respondent.post(f"/s/{survey.survey_key}", data=data)
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert len(seed(lambda c: responses_of(c, survey.wave_id))) == 1


def test_an_answer_out_of_range_is_marked_beside_its_item(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    response = post(respondent, survey, code, {keys[0]: "2", keys[2]: "9"})
    assert response.status_code == 422
    anchor = "q-" + keys[2].replace(".", "-")
    assert f'id="{anchor}-error"' in response.text
    assert f'href="#{anchor}"' in response.text  # the summary links to the item
    assert checked(response.text) == {(keys[0], "2")}
    # The code was fine: it is kept, unspent.
    assert f">{code}</textarea>" in response.text
    assert seed(lambda c: c.fetchval("SELECT count(*) FROM spent_invitation")) == 0


@pytest.mark.parametrize("answer", ["²", "④", "٣", "３", "3²", "-1", "1e1"])
def test_an_answer_that_is_not_ascii_digits_is_marked_beside_its_item(
    respondent: TestClient[Any], seed: Any, answer: str
) -> None:
    survey, [code], keys = seeded(seed)
    response = post(respondent, survey, code, {keys[0]: "2", keys[1]: answer})
    assert response.status_code == 422
    anchor = "q-" + keys[1].replace(".", "-")
    assert f'id="{anchor}-error"' in response.text
    assert checked(response.text) == {(keys[0], "2")}
    assert seed(lambda c: c.fetchval("SELECT count(*) FROM spent_invitation")) == 0


def test_a_missing_form_key_asks_to_send_again_and_keeps_the_answers(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    response = respondent.post(f"/s/{survey.survey_key}", data={"code": code, keys[0]: "1"})
    assert response.status_code == 422
    assert "This form has expired" in response.text
    assert checked(response.text) == {(keys[0], "1")}
    assert post(respondent, survey, code, {}, send_empty="yes").status_code == 200


def test_an_open_link_answers_for_its_unit(respondent: TestClient[Any], seed: Any) -> None:
    survey, _codes, keys = seeded(seed, mode="open")
    link = seed(lambda c: make_open_link(c, survey.wave_id, survey.other_unit_id))
    page = respondent.get(f"/s/{survey.survey_key}").text
    assert "Access code from your link" in page
    response = post(respondent, survey, link, {keys[0]: "5"})
    assert response.status_code == 200
    assert link not in response.text
    [row] = seed(lambda c: responses_of(c, survey.wave_id))
    assert row["unit_id"] == survey.other_unit_id


def test_a_submission_to_a_closed_survey_says_when_it_closed(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], _keys = seeded(seed, state="closed")
    response = respondent.post(f"/s/{survey.survey_key}", data={"code": code, "form_key": "k" * 43})
    assert response.status_code == 409
    assert "This survey closed on 7 January 2031." in response.text


def test_forty_concurrent_posts_of_one_card_store_one_response(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], _keys = seeded(seed)
    keys = [form_key_of(respondent.get(f"/s/{survey.survey_key}").text) for _ in range(40)]

    def send(form_key: str) -> int:
        data = {"code": code, "form_key": form_key, "send_empty": "yes"}
        return int(respondent.post(f"/s/{survey.survey_key}", data=data).status_code)

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(send, keys))
    assert sorted(statuses) == [200] + [409] * 39
    assert len(seed(lambda c: responses_of(c, survey.wave_id))) == 1


def test_too_many_wrong_codes_make_the_survey_wait_but_keep_the_answers(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    respondent.app.state.respondent_limiter = FailureLimiter(rate=0.001, burst=2)
    for _ in range(2):
        assert post(respondent, survey, mistype(code), {}).status_code == 422
    response = post(respondent, survey, code, {keys[0]: "4"})
    assert response.status_code == 429
    assert response.headers["retry-after"].isdigit()
    assert "Try again in a minute" in response.text
    assert checked(response.text) == {(keys[0], "4")}
    assert_private(response)
    # Another survey is not affected, and a new limiter lets the code through.
    respondent.app.state.respondent_limiter = FailureLimiter()
    assert post(respondent, survey, code, {}, send_empty="yes").status_code == 200


def test_successful_submissions_never_use_up_the_limit(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, codes, _keys = seeded(seed, count=5)
    respondent.app.state.respondent_limiter = FailureLimiter(rate=0.001, burst=1)
    sent = [post(respondent, survey, code, {}, send_empty="yes") for code in codes]
    assert [response.status_code for response in sent] == [200] * 5


# --- privacy of every response ------------------------------------------------------------------


def test_every_status_on_a_survey_address_is_an_html_page_with_the_privacy_headers(
    respondent: TestClient[Any], seed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey, [code], _keys = seeded(seed)
    url = f"/s/{survey.survey_key}"
    seen: dict[int, Any] = {
        200: respondent.get(url),
        404: respondent.get("/s/abc/def"),
        405: respondent.put(url, content=b"x"),
        413: respondent.post(
            url,
            content=b"code=" + b"A" * 300_000,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
    }

    async def broken(conn: Any, survey_key: str) -> None:
        raise RuntimeError(f"the database is down {code}")

    monkeypatch.setattr(queries, "fetch_survey_wave", broken)
    seen[500] = respondent.get(url)
    for status, response in seen.items():
        assert response.status_code == status, (status, response.text[:200])
        assert response.headers["content-type"].startswith("text/html"), status
        assert "<!doctype html>" in response.text
        assert code not in response.text
        assert_private(response)
    assert "Allow" in seen[405].headers
    assert "Something went wrong on our side" in seen[500].text


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/static/respond.js", "javascript"), ("/static/respond.css", "text/css")],
)
def test_the_survey_pages_own_files_carry_the_privacy_headers(
    respondent: TestClient[Any], path: str, kind: str
) -> None:
    response = respondent.get(path)
    assert response.status_code == 200
    assert kind in response.headers["content-type"]
    assert_private(response)


def test_no_cookie_is_set_on_survey_addresses_even_for_signed_in_staff(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], _keys = seeded(seed)
    staff = seed(lambda c: make_staff(c))
    session_id, _csrf = seed(lambda c: make_session(c, staff))
    respondent.cookies.set("__Host-muster_session", session_id)
    for response in (
        respondent.get(f"/s/{survey.survey_key}"),
        post(respondent, survey, code, {}),
        post(respondent, survey, code, {}, send_empty="yes"),
        respondent.get("/s/missing-survey"),
    ):
        assert "set-cookie" not in response.headers
        assert_private(response)


async def test_the_middleware_strips_cookies_from_whatever_a_route_sends() -> None:
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"set-cookie", b"tracker=1"),
                    (b"Set-Cookie", b"other=2"),
                    (b"cache-control", b"max-age=600"),
                    (b"content-type", b"text/html"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"<p>hi</p>"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/s/anything", "method": "GET", "headers": []}
    await RespondentPrivacyMiddleware(app)(scope, receive, send)
    headers = sent[0]["headers"]
    names = [k.lower() for k, _ in headers]
    assert b"set-cookie" not in names
    assert names.count(b"cache-control") == 1
    assert (b"cache-control", b"no-store") in headers
    assert sent[1]["body"] == b"<p>hi</p>"


# --- nothing about the request is logged --------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        parts = []
        for record in self.records:
            parts.append(record.getMessage())
            parts.append(repr(record.args))
            parts.append(repr(record.__dict__))
            if record.exc_info:
                parts.append(logging.Formatter().formatException(record.exc_info))
        return "\n".join(parts)


LOGGERS = ("", "litestar", "granian", "granian.access", "uvicorn", "asyncpg", "muster", "httpx")


@pytest.fixture
def capture(caplog: pytest.LogCaptureFixture) -> Iterator[Capture]:
    handler = Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    with caplog.at_level(logging.DEBUG):
        yield handler
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_whole_submission_logs_neither_the_code_nor_the_address(
    respondent: TestClient[Any], seed: Any, capture: Capture, caplog: pytest.LogCaptureFixture
) -> None:
    survey, [code], keys = seeded(seed)
    logging.getLogger("litestar").debug("capture check")  # the capture itself works
    assert post(respondent, survey, mistype(code), {keys[0]: "2"}).status_code == 422
    assert post(respondent, survey, code.lower(), {keys[0]: "2"}).status_code == 200
    assert post(respondent, survey, code, {keys[0]: "2"}).status_code == 409
    assert respondent.get("/s/abc/def").status_code == 404
    logged = capture.text() + "\n" + caplog.text
    assert "capture check" in logged
    for secret in (code, code.lower(), normalise(code), mistype(code), "testclient", "127.0.0.1"):
        assert secret not in logged, secret


def test_a_failure_on_a_survey_is_counted_and_the_request_logs_nothing(
    respondent: TestClient[Any],
    seed: Any,
    capture: Capture,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 12 changed this: a failed survey request used to log its error's type; now
    # only the app's once-a-minute reporter may write a line, and none comes from the request.
    survey, [code], _keys = seeded(seed)

    async def broken(conn: Any, survey_key: str) -> None:
        raise RuntimeError(f"invalid input for query argument $1: {code!r} from testclient")

    monkeypatch.setattr(queries, "fetch_survey_wave", broken)
    for _ in range(3):
        assert respondent.get(f"/s/{survey.survey_key}").status_code == 500
    failures = metrics.metrics_for(respondent.app.state).respondent_failures
    assert failures == {"database": 0, "timeout": 0, "other": 3}
    logged = capture.text() + "\n" + caplog.text
    assert code not in logged and "testclient" not in logged
    lines = [r.getMessage() for r in capture.records if r.name == "muster"]
    assert all(line.startswith("survey routes failed") for line in lines), lines


# --- reading the form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        [("code", "7K3M-9QXR"), ("form_key", "a_b-c"), ("openness.q1", "3")],
        [("name with spaces", "value with spaces & = signs"), ("é", "café ☕"), ("empty", "")],
        [("twice", "first"), ("twice", "second"), ("%", "+"), ("plus", "a+b")],
    ],
)
def test_the_survey_form_is_read_as_a_browser_encodes_it(fields: list[tuple[str, str]]) -> None:
    body = urllib.parse.urlencode(fields).encode()
    expected: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
        expected.setdefault(name, value)
    assert parse_urlencoded(body) == expected
    assert parse_urlencoded(body + b"&&noequals") == {**expected, "noequals": ""}


def test_a_multipart_submission_is_read_too(respondent: TestClient[Any], seed: Any) -> None:
    survey, [code], keys = seeded(seed)
    page = respondent.get(f"/s/{survey.survey_key}")
    fields = {"code": code, "form_key": form_key_of(page.text), keys[0]: "2"}
    response = respondent.post(
        f"/s/{survey.survey_key}", files={k: (None, v) for k, v in fields.items()}
    )
    assert response.status_code == 200, response.text
    stored = seed(lambda c: responses_of(c, survey.wave_id))
    assert [r["answers"][0] for r in stored] == [2]


# --- issue 16: the responder's journey on a phone ---------------------------------------------


def test_a_submission_with_no_answer_asks_before_spending_the_card(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    # What Enter in the code field sent: the code and nothing else.
    response = post(respondent, survey, code, {keys[0]: "", keys[1]: ""})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "You have not answered any question: submit anyway?" in page
    assert 'href="#send-empty"' in page and 'name="send_empty" value="yes"' in page
    assert f">{code}</textarea>" in response.text  # the code is kept, unspent
    assert seed(lambda c: c.fetchval("SELECT count(*) FROM spent_invitation")) == 0
    assert seed(lambda c: responses_of(c, survey.wave_id)) == []
    # The form's first submit button is the plain one, so Enter never confirms.
    first = re.search(r'<button type="submit"[^>]*>', response.text)
    assert first is not None and "send_empty" not in first.group(0)
    assert "switch" not in first.group(0)

    confirmed = post(respondent, survey, code, {}, send_empty="yes")
    assert confirmed.status_code == 200
    assert "Thank you" in confirmed.text
    stored = seed(lambda c: responses_of(c, survey.wave_id))
    assert [row["answers"] for row in stored] == [bytes(len(keys))]


def test_prefer_not_to_answer_counts_as_an_answer(respondent: TestClient[Any], seed: Any) -> None:
    survey, [code], keys = seeded(seed)
    response = post(respondent, survey, code, {keys[0]: "0"})
    assert response.status_code == 200
    assert len(seed(lambda c: responses_of(c, survey.wave_id))) == 1


@pytest.mark.parametrize(("switch", "phrase"), [("fr", "Envoyer mes réponses"), ("en", "Send")])
def test_switching_language_keeps_the_code_and_every_answer(
    respondent: TestClient[Any], seed: Any, switch: str, phrase: str
) -> None:
    survey, [code], keys = seeded(seed)
    answers = {keys[0]: "4", keys[2]: "0"}
    lang = "en" if switch == "fr" else "fr"
    response = post(respondent, survey, code, answers, switch=switch, lang=lang)
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert f'<html lang="{switch}">' in page and phrase in page
    assert f">{code}</textarea>" in response.text
    assert checked(response.text) == set(answers.items())
    assert "error-summary" not in response.text  # nothing was checked, nothing is wrong
    assert seed(lambda c: c.fetchval("SELECT count(*) FROM spent_invitation")) == 0
    assert seed(lambda c: responses_of(c, survey.wave_id)) == []
    assert_private(response)
    # The form it returns still sends: the switch spent nothing.
    again = respondent.post(
        f"/s/{survey.survey_key}",
        data={"code": code, "form_key": form_key_of(response.text), **answers},
    )
    assert again.status_code == 200


def test_the_error_summary_comes_first_takes_focus_and_links_to_the_field(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    page = post(respondent, survey, mistype(code), {keys[0]: "2"}).text
    summary = re.search(r'<div class="error-summary"[^>]*>', page)
    assert summary is not None
    assert "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    assert page.index("error-summary") < page.index("<h1>")
    assert '<a href="#code">Code from your card</a>' in page


def test_a_used_card_says_to_ask_the_coordinator_for_a_new_card(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], keys = seeded(seed)
    assert post(respondent, survey, code, {keys[0]: "1"}).status_code == 200
    response = post(respondent, survey, code, {keys[0]: "1"})
    assert response.status_code == 409
    assert "ask the coordinator for a new card" in html.unescape(response.text)
    french = post(respondent, survey, code, {keys[0]: "1"}, lang="fr")
    assert "demandez une nouvelle carte à la coordination" in html.unescape(french.text)


def _help_of(page: str) -> str:
    assert '<a class="help-link" href="#help">' in page
    start = page.index('id="help"')
    return html.unescape(page[start : page.index("</section>", start)])


@pytest.mark.parametrize("where", ["open", "used", "scheduled", "closed", "thanks"])
def test_help_with_dialable_numbers_is_on_every_page_of_a_survey(
    respondent: TestClient[Any], seed: Any, where: str
) -> None:
    survey, [code], keys = seeded(seed, state=where if where in ("scheduled", "closed") else "open")
    if where == "used":
        post(respondent, survey, code, {keys[0]: "1"})
        response = post(respondent, survey, code, {keys[0]: "1"})
    elif where == "thanks":
        response = post(respondent, survey, code, {keys[0]: "1"})
    else:
        response = respondent.get(f"/s/{survey.survey_key}")
    found = _help_of(response.text)
    assert "Peer Support Team" in found and "Colleagues trained to listen." in found
    assert '<a href="tel:+15550100">Call +1 555-0100</a>' in found
    assert '<a href="tel:988">Call 988</a>' in found
    assert "call your local emergency number" in found


@pytest.mark.parametrize("path", ["/s/" + "0" * 32, "/s/abc/def"])
def test_help_is_on_the_not_found_page_too(respondent: TestClient[Any], path: str) -> None:
    response = respondent.get(path, headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    found = _help_of(response.text)
    assert "Si vous êtes en danger" in found and "coordination" in found


def test_the_help_is_in_the_language_of_the_page(respondent: TestClient[Any], seed: Any) -> None:
    survey, [code], keys = seeded(seed)
    thanks = post(respondent, survey, code, {keys[0]: "1"}, lang="fr")
    found = _help_of(thanks.text)
    assert "Équipe de soutien par les pairs" in found and "Des collègues formés." in found
    assert "Appeler le 988" in found
    assert "Peer Support Team" not in found


def test_the_survey_says_who_runs_it_the_smallest_group_shown_and_when_results_come(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, _codes, _keys = seeded(seed)

    async def tell(conn: Any) -> None:
        await conn.execute(
            "UPDATE program SET run_by = $2 WHERE program_id = $1",
            survey.program_id,
            {"en": "the peer-support team", "fr": "l'équipe de soutien par les pairs"},
        )
        await conn.execute(
            """UPDATE wave SET frozen = jsonb_set(frozen, '{policy,min_publish_count}', '15')
               WHERE wave_id = $1""",
            survey.wave_id,
        )

    seed(tell)
    page = html.unescape(respondent.get(f"/s/{survey.survey_key}").text)
    assert "Run by the peer-support team." in page
    assert "with noise added, reaches 15;" in page
    assert "Results are shared after the survey closes on 20 January 2031" in page
    assert "Small groups are not shown" not in page
    french = html.unescape(respondent.get(f"/s/{survey.survey_key}?lang=fr").text)
    assert "Mené par l'équipe de soutien par les pairs." in french
    assert "atteint 15 ;" in french


def test_each_instrument_is_a_numbered_section(respondent: TestClient[Any], seed: Any) -> None:
    survey, _codes, _keys = seeded(seed)
    page = respondent.get(f"/s/{survey.survey_key}").text
    assert page.count('<h2 class="section-title">') == 2
    assert page.index("Section 1 of 2") < page.index("Section 2 of 2")


def test_the_short_address_on_the_card_finds_the_survey_of_a_typed_code(
    respondent: TestClient[Any], seed: Any
) -> None:
    survey, [code], _keys = seeded(seed)
    start = respondent.get("/c")
    assert start.status_code == 200
    assert_private(start)
    assert 'action="/c"' in start.text and 'id="help"' in start.text
    typed = code.lower().replace("-", " ")
    found = respondent.post("/c", data={"code": typed, "lang": "en"})
    assert found.status_code == 200
    assert_private(found)
    assert f'action="/s/{survey.survey_key}"' in found.text
    assert f">{typed}</textarea>" in found.text
    assert seed(lambda c: c.fetchval("SELECT count(*) FROM spent_invitation")) == 0


@pytest.mark.parametrize(
    ("mangle", "message"),
    [(mistype, "The code has a typing mistake"), (None, "This code is not valid")],
)
def test_a_wrong_code_at_the_short_address_says_so_beside_the_field(
    respondent: TestClient[Any], seed: Any, mangle: Any, message: str
) -> None:
    survey, [code], _keys = seeded(seed)
    if mangle is None:
        seed(lambda c: c.execute("DELETE FROM invitation"))
    response = respondent.post("/c", data={"code": mangle(code) if mangle else code})
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert message in page
    assert '<a href="#code">' in page and "autofocus" in page
    assert survey.survey_key not in page
