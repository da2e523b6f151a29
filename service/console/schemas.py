"""What the console's invitation forms send: the API's request structs, plus the wave the
API takes from the path. The rules are the API's own; the console adds none."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from service.db import MAX_ID
from service.invitations.schemas import CardsRequest, LinksRequest, OpenLinksRequest

WaveRef = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]


class CardsForm(CardsRequest, frozen=True, forbid_unknown_fields=True, kw_only=True):
    wave: WaveRef


class OpenLinksForm(OpenLinksRequest, frozen=True, forbid_unknown_fields=True, kw_only=True):
    wave: WaveRef


class LinksForm(LinksRequest, frozen=True, forbid_unknown_fields=True, kw_only=True):
    wave: WaveRef


class Confirmation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The "I understand" box of a destructive action, ticked."""

    confirm: Literal[True]


class PasswordConfirmation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    confirm_password: Literal[True]
