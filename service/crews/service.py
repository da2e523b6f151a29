"""The crews' page and the handout: what the survey showed (published values only), what
leadership is doing (the unit's actions, with the change since each began), and where to
find help (the program's resources).

Both read exactly what a leader scoped to the unit alone would see on the dashboard
(`unit_viewer`): nothing above the unit is named, and an unpublished value never reaches
a page (dashboard.schemas.stat_of drops its numbers).

Links for crews. A leader (or an admin) creates a link for one unit, program and released
wave; its token is 192 random bits in the path, stored only as a keyed hash (HMAC with the
service's secret key, like API tokens), so a copy of the database opens no page. It is
revocable at any time; a revoked or unknown token is the same 404. It shows nothing a
crew member could not be told at roll call: published, noisy aggregates with their ranges.
"""

from __future__ import annotations

import secrets

import msgspec

from service.actions.service import ACTION_ROLES
from service.audit.service import insert_audit
from service.auth.principal import Principal
from service.auth.secrets import hash_api_token
from service.crews import queries
from service.crews.queries import Share
from service.dashboard import service as dashboard
from service.dashboard.effects import ActionEffect, action_effects
from service.dashboard.schemas import Context, ScaleInfo, Stat, WaveInfo
from service.dashboard.views import ScoreLine, score_lines
from service.dashboard.wording import hidden, participation, plain, wave_date
from service.db import Conn
from service.errors import FieldError, InvalidInput, ShareNotFound, UnitNotFound
from service.i18n import gettext
from service.programs.schemas import Resource
from service.programs.service import fetch_program
from service.scope.rules import in_subtree
from service.units.schemas import Unit
from service.units.service import fetch_unit

TOKEN_BYTES = 24


class ScoreWords(msgspec.Struct, frozen=True, kw_only=True):
    line: ScoreLine
    # "3.61 on a scale of 1 to 5, likely between 3.41 and 3.81", or why it is not shown.
    words: str
    shown: bool


class CrewsReport(msgspec.Struct, frozen=True, kw_only=True):
    unit: Unit
    program_name: str
    context: Context
    wave: WaveInfo | None
    previous: WaveInfo | None
    participation: str
    scores: list[ScoreWords]
    effects: list[ActionEffect]
    resources: list[Resource]
    # The unit was added after the wave.
    absent: bool = False

    @property
    def wave_words(self) -> str:
        if self.wave is None:
            return gettext("no released wave yet")
        return gettext(
            "wave %(seq)s, closed %(date)s", seq=self.wave.seq, date=wave_date(self.wave)
        )


def unit_viewer(unit: Unit) -> Principal:
    """A reader who sees the unit's subtree and nothing above it: the crews' point of view."""
    return Principal(staff_id=0, email="", role="leader", scope_unit_id=unit.unit_id,
                     scope_path=unit.path, via="token")  # fmt: skip


def score_words(scale: ScaleInfo, stat: Stat) -> str:
    if not stat.shown or stat.value is None:
        return gettext("not shown: %(reason)s", reason=hidden(stat))
    low, high, value = f"{scale.low:g}", f"{scale.high:g}", plain(stat.value)
    if stat.lower is not None and stat.upper is not None:
        return gettext(
            "%(value)s on a scale of %(low)s to %(high)s, likely between %(lower)s and %(upper)s",
            value=value, low=low, high=high, lower=plain(stat.lower), upper=plain(stat.upper),
        )  # fmt: skip
    return gettext("%(value)s on a scale of %(low)s to %(high)s", value=value, low=low, high=high)


async def crews_report(
    conn: Conn, unit_id: int, program_id: int | None, wave_id: int | None
) -> CrewsReport:
    """The report for one unit and wave (default: the latest wave with published values)."""
    unit = await fetch_unit(conn, None, unit_id)
    viewer = unit_viewer(unit)
    page = await dashboard.unit_page(conn, viewer, unit.unit_id, program_id, wave_id)
    context = page.context
    resources: list[Resource] = []
    if context.program is not None:
        resources = (await fetch_program(conn, viewer, context.program.program_id)).resources
    scores: list[ScoreWords] = []
    people = ""
    if page.current is not None:
        lines = score_lines(page.current, context.scales, context.previous)
        scores = [
            ScoreWords(line=line, words=score_words(line.scale, page.current.mean(line.scale.key)),
                       shown=page.current.mean(line.scale.key).shown)
            for line in lines
        ]  # fmt: skip
        people = participation(page.current.responses, unit.headcount)
    return CrewsReport(
        unit=unit,
        program_name=context.program.name if context.program is not None else "",
        context=context,
        wave=context.wave,
        previous=context.previous,
        participation=people,
        scores=scores,
        # The page is about its wave: later waves do not count towards "since it began".
        effects=action_effects(
            page.actions,
            [(w, s) for w, s in page.history if context.wave is None or w.seq <= context.wave.seq],
            context.scales,
        ),
        resources=resources,
        absent=page.absent,
    )


# --- links ------------------------------------------------------------------------------


def _can_manage(viewer: Principal) -> None:
    if viewer.role not in ACTION_ROLES:  # the route guards say so first; kept for the CLI
        raise ShareNotFound("Only leaders and administrators manage crews' page links.")


async def create_share(
    conn: Conn, viewer: Principal, key: bytes, unit_id: int, program_id: int, wave_id: int
) -> tuple[Share, str]:
    """A new link for the unit's crews' page in one released wave: (the share, its token).
    The token is returned once and never stored."""
    _can_manage(viewer)
    unit = await fetch_unit(conn, viewer, unit_id)
    program = await fetch_program(conn, viewer, program_id)
    if not in_subtree(unit.path, program.root_unit_path):
        raise InvalidInput(
            "This program does not cover this unit. Pick another program.",
            errors=[FieldError("program_id", "the program does not cover this unit")],
        )
    # Raises WaveNotFound unless the wave is a released wave of the program.
    await dashboard.unit_page(conn, unit_viewer(unit), unit.unit_id, program_id, wave_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    share = await queries.insert_share(
        conn, hash_api_token(key, token), unit.unit_id, program_id, wave_id, viewer.staff_id
    )
    await insert_audit(conn, viewer, "crews_link.created", _subject(share))
    return share, token


async def list_shares(conn: Conn, viewer: Principal, unit_id: int) -> list[Share]:
    unit = await fetch_unit(conn, viewer, unit_id)
    return await queries.list_active_shares(conn, unit.unit_id)


async def revoke_share(conn: Conn, viewer: Principal, share_id: int) -> Share:
    _can_manage(viewer)
    share = await queries.fetch_share(conn, share_id)
    if share is not None:
        try:
            await fetch_unit(conn, viewer, share.unit_id)
        except UnitNotFound:  # outside the viewer's subtree: the same 404
            share = None
    if share is None or share.revoked_at is not None:
        raise ShareNotFound(f"No active crews' page link has the id {share_id}.")
    await queries.revoke_share(conn, share_id)
    await insert_audit(conn, viewer, "crews_link.revoked", _subject(share))
    return share


async def resolve_share(conn: Conn, key: bytes, token: str) -> Share:
    """The active link with this token; unknown and revoked tokens are the same 404."""
    share = None
    if 0 < len(token) <= 100:
        share = await queries.fetch_active_share(conn, hash_api_token(key, token))
    if share is None:
        raise ShareNotFound(
            "This link is not valid: it may have been withdrawn. Ask your unit's leader for "
            "the current one."
        )
    return share


def _subject(share: Share) -> dict[str, int]:
    return {"share_id": share.share_id, "unit_id": share.unit_id,
            "program_id": share.program_id, "wave_id": share.wave_id}  # fmt: skip
