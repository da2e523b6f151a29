-- Each wave's collection rows live in relations of their own (docs/anonymity.md), so that
-- closing a wave can drop them whole: PostgreSQL then removes their files (heap, indexes,
-- free-space map), and no dead row version or deleted index entry is left to link a code
-- to its answers. The tables below are partitioned by wave; wave N's partition of
-- <table> is <table>_w<N>.

-- THE list of per-wave relations: one row per partitioned table. A wave's partitions of
-- every table listed here are created with the wave (by the trigger below). At close,
-- 'drop' relations are dropped, and 'shuffle' relations are written into a new relation
-- in random order that replaces the old one (service/waves/queries.py).
-- A later table joins by being created PARTITION BY LIST (wave_id) and listed here.
CREATE TABLE wave_storage (
    parent   text PRIMARY KEY,
    at_close text NOT NULL CHECK (at_close IN ('drop', 'shuffle'))
);

ALTER TABLE invitation RENAME TO invitation_unpartitioned;
ALTER TABLE spent_invitation RENAME TO spent_invitation_unpartitioned;
ALTER TABLE response RENAME TO response_unpartitioned;
ALTER TABLE open_link RENAME TO open_link_unpartitioned;

-- One row per printed card: only the hash of its code.
CREATE TABLE invitation (
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    wave_id   bigint NOT NULL REFERENCES wave (wave_id),
    unit_id   bigint NOT NULL REFERENCES unit (unit_id),
    CONSTRAINT invitation_key PRIMARY KEY (wave_id, code_hash)
) PARTITION BY LIST (wave_id);
CREATE INDEX invitation_unit ON invitation (unit_id);

-- A code that has been used, with the hash of the page's one-time form key, so that a
-- double-click gets the same thank-you rather than "already used". In open-link waves
-- the form key alone is recorded here.
CREATE TABLE spent_invitation (
    code_hash  bytea NOT NULL CHECK (length(code_hash) = 32),
    wave_id    bigint NOT NULL REFERENCES wave (wave_id),
    submission bytea NOT NULL CHECK (length(submission) = 32),
    CONSTRAINT spent_invitation_key PRIMARY KEY (wave_id, code_hash)
) PARTITION BY LIST (wave_id);

-- The answers: the wave, the unit, and one smallint per item in the wave's item order
-- (0 = not answered). Nothing else, not even a key.
-- No foreign keys: attaching the shuffled copy at close would then lock wave and unit
-- ACCESS EXCLUSIVE, and wait for any reader of them. Rows get here only through the wave's
-- partition (made for an existing wave) with the unit of a code, which has its keys; a
-- unit with responses cannot be removed (units.queries.UNIT_USES).
CREATE TABLE response (
    wave_id bigint NOT NULL,
    unit_id bigint NOT NULL,
    answers smallint[] NOT NULL CHECK (cardinality(answers) BETWEEN 1 AND 500)
) PARTITION BY LIST (wave_id);
CREATE INDEX response_unit ON response (unit_id);

-- Open-link mode: one link per unit per wave; only the hash of its token is kept.
CREATE TABLE open_link (
    link_hash bytea NOT NULL CHECK (length(link_hash) = 32),
    wave_id   bigint NOT NULL REFERENCES wave (wave_id),
    unit_id   bigint NOT NULL REFERENCES unit (unit_id),
    CONSTRAINT open_link_key PRIMARY KEY (wave_id, link_hash),
    CONSTRAINT open_link_unit UNIQUE (wave_id, unit_id)
) PARTITION BY LIST (wave_id);

-- No column statistics on credential hashes: an ANALYZE would otherwise copy some of
-- them into pg_statistic, which outlives the wave. Partitions copy these targets.
ALTER TABLE invitation ALTER COLUMN code_hash SET STATISTICS 0;
ALTER TABLE spent_invitation ALTER COLUMN code_hash SET STATISTICS 0;
ALTER TABLE spent_invitation ALTER COLUMN submission SET STATISTICS 0;
ALTER TABLE open_link ALTER COLUMN link_hash SET STATISTICS 0;

INSERT INTO wave_storage (parent, at_close) VALUES
    ('invitation', 'drop'),
    ('spent_invitation', 'drop'),
    ('open_link', 'drop'),
    ('response', 'shuffle');

-- Wave N's partition of every listed table, or of the 'shuffle' ones only (a wave that
-- closed before this migration). Each is made apart and then attached, which takes only
-- a SHARE UPDATE EXCLUSIVE lock on the parent, so submissions to other waves go on.
CREATE FUNCTION create_wave_storage(wave bigint, collecting boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    kind record;
    child text;
    col record;
BEGIN
    FOR kind IN
        SELECT s.parent FROM wave_storage s
        WHERE collecting OR s.at_close = 'shuffle'
        ORDER BY s.parent
    LOOP
        child := kind.parent || '_w' || wave;
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL)', child, kind.parent);
        FOR col IN
            SELECT a.attname FROM pg_attribute a
            WHERE a.attrelid = kind.parent::regclass AND a.attnum > 0
              AND NOT a.attisdropped AND a.attstattarget = 0
        LOOP
            EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET STATISTICS 0', child, col.attname);
        END LOOP;
        EXECUTE format(
            'ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', kind.parent, child, wave
        );
    END LOOP;
END
$$;

CREATE FUNCTION create_wave_storage_for_new_wave() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM create_wave_storage(NEW.wave_id, true);
    RETURN NULL;
END
$$;

CREATE TRIGGER wave_storage_created AFTER INSERT ON wave
    FOR EACH ROW EXECUTE FUNCTION create_wave_storage_for_new_wave();

-- Existing waves: all relations while a wave still collects, its answers only once closed.
SELECT create_wave_storage(wave_id, status IN ('scheduled', 'open')) FROM wave ORDER BY wave_id;

INSERT INTO invitation (code_hash, wave_id, unit_id)
    SELECT code_hash, wave_id, unit_id FROM invitation_unpartitioned;
INSERT INTO spent_invitation (code_hash, wave_id, submission)
    SELECT code_hash, wave_id, submission FROM spent_invitation_unpartitioned;
INSERT INTO open_link (link_hash, wave_id, unit_id)
    SELECT link_hash, wave_id, unit_id FROM open_link_unpartitioned;
INSERT INTO response (wave_id, unit_id, answers)
    SELECT wave_id, unit_id, answers FROM response_unpartitioned;

DROP TABLE invitation_unpartitioned, spent_invitation_unpartitioned,
    response_unpartitioned, open_link_unpartitioned;
