-- Participation while a wave is open (issue 15): a wave is charged by its release and by
-- each refresh of its participation estimate, all from the wave's own share of the year.

ALTER TABLE ledger DROP CONSTRAINT ledger_wave_id_key;
ALTER TABLE ledger ADD COLUMN kind text NOT NULL DEFAULT 'release'
    CHECK (kind IN ('release', 'participation'));
-- A wave is still released, and charged for its release, once.
CREATE UNIQUE INDEX ledger_one_release ON ledger (wave_id) WHERE kind = 'release';

-- The noisy, tree-consistent number of responses per unit at each refresh of an open
-- wave. Only noisy values are stored; `published` is decided from public headcounts and
-- the refresh's planned noise, never from the data.
CREATE TABLE participation (
    wave_id   bigint NOT NULL REFERENCES wave (wave_id),
    refresh   integer NOT NULL CHECK (refresh >= 1),
    unit_id   bigint NOT NULL REFERENCES unit (unit_id),
    -- The public headcount the refresh used (at least its children's): the rate's base.
    headcount integer NOT NULL CHECK (headcount >= 0),
    value     double precision NOT NULL,
    std_error double precision NOT NULL,
    lower     double precision NOT NULL,
    upper     double precision NOT NULL,
    published boolean NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (wave_id, refresh, unit_id)
);
