"""Wire shapes of token issuance (RFC 9474, RSABSSA-SHA384-PSS-Randomized)."""

from __future__ import annotations

from typing import Annotated

import msgspec

B64 = Annotated[str, msgspec.Meta(max_length=2048, description="base64url, no padding")]


class WaveKey(msgspec.Struct, frozen=True, kw_only=True):
    """GET /s/<survey_key>/key."""

    variant: str
    # base64url of the DER SubjectPublicKeyInfo.
    public_key: str
    # Hex SHA-256 of that DER.
    fingerprint: str


class IssueRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """POST /s/<survey_key>/issue."""

    # From the issuance link's fragment: /t/<survey_key>#<ticket>.
    ticket: Annotated[str, msgspec.Meta(max_length=200)]
    blinded_msg: B64


class IssuedSignature(msgspec.Struct, frozen=True, kw_only=True):
    blind_sig: str
