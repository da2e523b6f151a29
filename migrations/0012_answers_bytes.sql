-- Answers become one byte per item: byte i of a response is the answer to the wave's item
-- i + 1, 0 when not answered, else the option value (instruments keep option values
-- between 1 and 255: service/instruments/schemas.py). The release reads a wave's rows as
-- one byte string per unit (string_agg), which PostgreSQL returns without the per-element
-- output a smallint[] costs (bench/release.py): the aggregation then takes a few times a
-- bare count(*) instead of about 20 times.
--
-- Existing rows keep every answer the release can count: 0 and negative answers (which
-- migration 0006 refused) become 0, answers above 255 become 255 (the release clamps
-- them to the item's highest option either way).
CREATE FUNCTION answers_as_bytes(answers smallint[]) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(
        string_agg(
            set_byte('\x00'::bytea, 0, least(greatest(coalesce(v, 0), 0), 255)),
            ''::bytea ORDER BY i
        ),
        ''::bytea
    )
    FROM unnest(answers) WITH ORDINALITY AS a(v, i)
$$;

-- The array checks (migrations 0005 and 0006, whatever PostgreSQL named them) go first:
-- they cannot apply to bytea. A partition may hold its own copy of them (a shuffled copy
-- attached at close), dropped after the parent's.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'response'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) LIKE '%answers%'
    LOOP
        EXECUTE format('ALTER TABLE response DROP CONSTRAINT %I', c.conname);
    END LOOP;
    FOR c IN
        SELECT conrelid::regclass AS relation, conname FROM pg_constraint
        WHERE conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'response'::regclass)
          AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%answers%'
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.relation, c.conname);
    END LOOP;
END
$$;

ALTER TABLE response ALTER COLUMN answers TYPE bytea USING answers_as_bytes(answers);
DROP FUNCTION answers_as_bytes(smallint[]);

-- Every stored answer is a byte, so within the instruments' bounds on values (0 to 255)
-- by its type; a response answers between 1 and 500 items. The release still clamps
-- each answer to its own item's options (service/privacy/aggregate.py), so a row that
-- got past the submission's checks moves no released statistic by more than its stated
-- sensitivity.
ALTER TABLE response ADD CONSTRAINT response_answers_in_range
    CHECK (length(answers) BETWEEN 1 AND 500);
