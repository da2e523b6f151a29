-- Closing the loop (issue 15): what leadership did about a unit's results, and the
-- revocable links that show crews "you said, we did".
-- Staff data only: nothing here refers to a response, an invitation or a responder.

CREATE TABLE action (
    action_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- An action belongs to its unit: removing the unit removes what was recorded for it.
    unit_id     bigint NOT NULL REFERENCES unit (unit_id) ON DELETE CASCADE,
    program_id  bigint NOT NULL REFERENCES program (program_id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL CHECK (length(description) <= 4000),
    started_on  date NOT NULL,
    -- '<instrument slug>/<scale id>' of the program's instruments, as in release statistics.
    scales      text[] NOT NULL CHECK (cardinality(scales) BETWEEN 1 AND 20),
    owner       text CHECK (length(owner) BETWEEN 1 AND 200),
    created_by  bigint REFERENCES staff (staff_id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_unit ON action (unit_id, program_id, started_on);

-- A crews' page link: one unit, one program, one released wave. Only a hash of the token
-- is stored, so a copy of this table opens no page; revoking keeps the row for the trail.
CREATE TABLE crew_share (
    share_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE,
    unit_id     bigint NOT NULL REFERENCES unit (unit_id) ON DELETE CASCADE,
    program_id  bigint NOT NULL REFERENCES program (program_id) ON DELETE CASCADE,
    wave_id     bigint NOT NULL REFERENCES wave (wave_id) ON DELETE CASCADE,
    created_by  bigint REFERENCES staff (staff_id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX crew_share_unit ON crew_share (unit_id);
