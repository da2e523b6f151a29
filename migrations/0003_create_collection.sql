-- Anonymous collection (DESIGN.md §4). Nothing on these tables holds a time, an address,
-- a sequence or an identity value; the migration test checks it.

-- The public key of a wave's survey page, /s/<survey_key>. Shared by every card of the
-- wave, so it says nothing about who opened the page.
ALTER TABLE wave ADD COLUMN survey_key text;
UPDATE wave SET survey_key = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE wave
    ALTER COLUMN survey_key SET NOT NULL,
    ALTER COLUMN survey_key SET DEFAULT replace(gen_random_uuid()::text, '-', ''),
    ADD CONSTRAINT wave_survey_key UNIQUE (survey_key);

-- One row per printed card: only the hash of its code. Dropped when the wave closes.
CREATE TABLE invitation (
    code_hash bytea PRIMARY KEY CHECK (length(code_hash) = 32),
    wave_id   bigint NOT NULL REFERENCES wave (wave_id),
    unit_id   bigint NOT NULL REFERENCES unit (unit_id)
);
CREATE INDEX invitation_wave_unit ON invitation (wave_id, unit_id);

-- A code that has been used, with the hash of the page's one-time form key, so that a
-- double-click gets the same thank-you rather than "already used". In open-link waves
-- the form key alone is recorded here. Dropped when the wave closes.
CREATE TABLE spent_invitation (
    code_hash  bytea PRIMARY KEY CHECK (length(code_hash) = 32),
    wave_id    bigint NOT NULL REFERENCES wave (wave_id),
    submission bytea NOT NULL CHECK (length(submission) = 32)
);
CREATE INDEX spent_invitation_wave ON spent_invitation (wave_id);

-- The answers: the wave, the unit, and one smallint per item in the wave's item order
-- (0 = not answered). Nothing else, not even a key.
CREATE TABLE response (
    wave_id bigint NOT NULL REFERENCES wave (wave_id),
    unit_id bigint NOT NULL REFERENCES unit (unit_id),
    answers smallint[] NOT NULL CHECK (cardinality(answers) BETWEEN 1 AND 500)
);
CREATE INDEX response_wave_unit ON response (wave_id, unit_id);

-- Open-link mode: one link per unit per wave; only the hash of its token is kept.
CREATE TABLE open_link (
    link_hash bytea PRIMARY KEY CHECK (length(link_hash) = 32),
    wave_id   bigint NOT NULL REFERENCES wave (wave_id),
    unit_id   bigint NOT NULL REFERENCES unit (unit_id),
    UNIQUE (wave_id, unit_id)
);
