"""What the researcher's page shows: the released waves a researcher may export."""

from __future__ import annotations

import msgspec

from service.auth.principal import Principal
from service.db import Conn
from service.programs import service as programs
from service.programs.schemas import Program
from service.waves import service as waves
from service.waves.schemas import Wave


class ProgramExports(msgspec.Struct, frozen=True, kw_only=True):
    program: Program
    # Released waves only, newest first: nothing else has results to export.
    waves: list[Wave]


async def list_exports(conn: Conn, viewer: Principal) -> list[ProgramExports]:
    """Every program the viewer may see, with its released waves (none yet: an empty list)."""
    released: dict[int, list[Wave]] = {}
    for wave in await waves.list_waves(conn, viewer):
        if wave.status == "released":
            released.setdefault(wave.program_id, []).append(wave)
    return [
        ProgramExports(
            program=program,
            waves=sorted(released.get(program.program_id, []), key=lambda w: -w.seq),
        )
        for program in await programs.list_programs(conn, viewer)
    ]
