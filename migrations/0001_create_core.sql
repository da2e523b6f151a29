-- Units, instruments, programs, waves: the organisation and what is asked of it.

CREATE TABLE unit (
    unit_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   bigint REFERENCES unit (unit_id),
    slug        text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    headcount   integer NOT NULL DEFAULT 0 CHECK (headcount BETWEEN 0 AND 1000000),
    -- Slugs from the root down, joined by '/': 'county-fire/battalion-1/station-7'.
    path        text NOT NULL UNIQUE,
    depth       smallint NOT NULL CHECK (depth >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Siblings have distinct slugs; the single root has no parent.
CREATE UNIQUE INDEX unit_sibling_slug ON unit (coalesce(parent_id, 0), slug);
-- Subtree queries are prefix matches on path.
CREATE INDEX unit_path_prefix ON unit (path text_pattern_ops);
CREATE INDEX unit_parent ON unit (parent_id);

CREATE TABLE instrument (
    instrument_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text NOT NULL,
    -- The first 12 hex digits of sha256: short enough to show, long enough to tell apart.
    version       text NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    title         text NOT NULL,
    body          jsonb NOT NULL,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (slug, sha256)
);

CREATE TABLE program (
    program_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    root_unit_id bigint NOT NULL REFERENCES unit (unit_id),
    -- ISO 8601 durations, e.g. 'P3M' between waves and 'P14D' open.
    cadence      text NOT NULL,
    open_window  text NOT NULL,
    mode         text NOT NULL CHECK (mode IN ('cards', 'links', 'open')),
    policy       jsonb NOT NULL,
    resources    jsonb NOT NULL DEFAULT '[]',
    starts_at    timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The exact instrument versions a program asks, in order.
CREATE TABLE program_instrument (
    program_id    bigint NOT NULL REFERENCES program (program_id) ON DELETE CASCADE,
    position      smallint NOT NULL,
    instrument_id bigint NOT NULL REFERENCES instrument (instrument_id),
    PRIMARY KEY (program_id, position),
    UNIQUE (program_id, instrument_id)
);

CREATE TABLE wave (
    wave_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id  bigint NOT NULL REFERENCES program (program_id),
    -- 1 for the program's first wave, then 2, 3, ...
    seq         integer NOT NULL CHECK (seq >= 1),
    opens_at    timestamptz NOT NULL,
    closes_at   timestamptz NOT NULL,
    status      text NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'open', 'closed', 'released')),
    -- Mode, policy and instrument versions as they were when the wave opened; never changed after.
    frozen      jsonb,
    opened_at   timestamptz,
    closed_at   timestamptz,
    released_at timestamptz,
    public_key  bytea,
    UNIQUE (program_id, seq),
    CHECK (closes_at > opens_at),
    CHECK ((status = 'scheduled') = (frozen IS NULL))
);
CREATE INDEX wave_due ON wave (status, opens_at, closes_at);

-- Instrument versions a wave asks, fixed when it opens.
CREATE TABLE wave_instrument (
    wave_id       bigint NOT NULL REFERENCES wave (wave_id),
    position      smallint NOT NULL,
    instrument_id bigint NOT NULL REFERENCES instrument (instrument_id),
    PRIMARY KEY (wave_id, position)
);
