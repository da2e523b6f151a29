-- Releases (DESIGN.md §5): computed once per wave, stored, served to every reader.

-- One row per privacy-loss charge. A wave is released once, so it is charged once.
CREATE TABLE ledger (
    entry_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id  bigint NOT NULL REFERENCES program (program_id),
    wave_id     bigint NOT NULL UNIQUE REFERENCES wave (wave_id),
    -- The charge as the release measurement's privacy map gives it: rho under zCDP
    -- (gaussian) or epsilon under pure DP (laplace), and the (epsilon, delta) it implies.
    mechanism   text NOT NULL CHECK (mechanism IN ('gaussian', 'laplace')),
    rho         double precision CHECK (rho >= 0),
    epsilon     double precision NOT NULL CHECK (epsilon >= 0),
    delta       double precision NOT NULL CHECK (delta >= 0 AND delta < 1),
    measurement jsonb NOT NULL,
    staff_id    bigint REFERENCES staff (staff_id),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_program_at ON ledger (program_id, at);

-- The released values: per wave, unit and statistic. Values are noisy, consistent across
-- the tree, and come with their standard error and 95% interval.
CREATE TABLE release (
    wave_id            bigint NOT NULL REFERENCES wave (wave_id),
    unit_id            bigint NOT NULL REFERENCES unit (unit_id),
    statistic          text NOT NULL,
    value              double precision,
    std_error          double precision,
    lower              double precision,
    upper              double precision,
    published          boolean NOT NULL,
    mechanism          text NOT NULL,
    noise_scale        double precision,
    privacy_share      double precision,
    instrument_version text,
    plan_version       text NOT NULL,
    unverified         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (wave_id, unit_id, statistic)
);
CREATE INDEX release_unit ON release (unit_id, statistic);
