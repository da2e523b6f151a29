"""The export of issuance links (links mode): a CSV for the coordinator's own mail merge.

A link is `{public_url}/t/{survey_key}#{ticket}`: the ticket rides in the fragment, which
browsers never send, so it reaches no server log or proxy. The file is the only copy of
the tickets.
"""

from __future__ import annotations

import csv
import io

from service.i18n import N_
from service.invitations.files import csv_cell
from service.invitations.schemas import LinkBatch

# The one sentence the export gives about the mail administrator (docs/anonymity.md).
MAIL_NOTICE = N_(
    "Whoever runs the mail system can see who was sent each link and whether it was opened, "
    "so who collected a survey token, but never what anyone answered: the token is made and "
    "blinded on the person's own device and cannot be traced back to this link."
)
FINGERPRINT_NOTICE = N_(
    "Print the survey key fingerprint on the notice board so that everyone, a union "
    "representative first, can check that their link page shows the same one."
)
CSV_COLUMNS = ("unit_path", "unit_name", "link", "key_fingerprint", "note")
MEDIA_TYPE = "text/csv; charset=utf-8"


def issuance_link(base_url: str, survey_key: str, ticket: str) -> str:
    return f"{base_url.rstrip('/')}/t/{survey_key}#{ticket}"


def render_csv(batch: LinkBatch, base_url: str) -> str:
    """One row per person: unit, link, the key fingerprint (empty until the wave opens; the
    console shows it then) and the note for the mail administrator."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for link in batch.links:
        writer.writerow(
            (
                link.unit_path,
                csv_cell(link.unit_name),
                issuance_link(base_url, batch.wave.survey_key, link.ticket),
                batch.fingerprint or "",
                MAIL_NOTICE,
            )
        )
    return out.getvalue()


def summary(batch: LinkBatch, out: str) -> dict[str, object]:
    """What the command line prints after writing the file."""
    return {
        "out": out,
        "format": "csv",
        "links": len(batch.links),
        "key_fingerprint": batch.fingerprint,
        "mail_administrator": MAIL_NOTICE,
        "notice_board": FINGERPRINT_NOTICE,
    }


def file_name(batch: LinkBatch) -> str:
    return f"muster-links-wave-{batch.wave.wave_id}.csv"
