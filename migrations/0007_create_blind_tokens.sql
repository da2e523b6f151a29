-- Emailed links with blind-signed tokens (RFC 9474; docs/anonymity.md). Like the other
-- collection tables, these are partitioned by wave and listed in wave_storage, so a wave's
-- partitions are made with the wave and dropped, files and all, when it closes. A spent
-- token is recorded where a spent card is (spent_invitation), by the same statement that
-- stores its response.

-- One row per exported issuance link: only the hash of its ticket. `spent` turns true
-- when the ticket gets its token; nothing else about an issuance is recorded.
CREATE TABLE link_ticket (
    ticket_hash bytea NOT NULL CHECK (length(ticket_hash) = 32),
    wave_id     bigint NOT NULL REFERENCES wave (wave_id),
    unit_id     bigint NOT NULL REFERENCES unit (unit_id),
    spent       boolean NOT NULL DEFAULT false,
    CONSTRAINT link_ticket_key PRIMARY KEY (wave_id, ticket_hash)
) PARTITION BY LIST (wave_id);
CREATE INDEX link_ticket_unit ON link_ticket (unit_id);
ALTER TABLE link_ticket ALTER COLUMN ticket_hash SET STATISTICS 0;

-- The units a wave's links were made for: a token names its unit, and is taken only for
-- a unit listed here (the credential of a token submission, as invitation is a card's).
CREATE TABLE link_unit (
    wave_id bigint NOT NULL REFERENCES wave (wave_id),
    unit_id bigint NOT NULL REFERENCES unit (unit_id),
    CONSTRAINT link_unit_key PRIMARY KEY (wave_id, unit_id)
) PARTITION BY LIST (wave_id);

-- The wave's private signing key (PKCS #8 DER), made when the wave opens. Its public half
-- is wave.public_key; the private half exists only in this partition, until the close.
CREATE TABLE wave_signing_key (
    wave_id     bigint NOT NULL REFERENCES wave (wave_id),
    private_key bytea NOT NULL,
    CONSTRAINT wave_signing_key_key PRIMARY KEY (wave_id)
) PARTITION BY LIST (wave_id);

INSERT INTO wave_storage (parent, at_close) VALUES
    ('link_ticket', 'drop'),
    ('link_unit', 'drop'),
    ('wave_signing_key', 'drop');

-- Waves made before this migration that still collect get their partitions now.
DO $$
DECLARE
    w record;
    parent text;
BEGIN
    FOR w IN SELECT wave_id FROM wave WHERE status IN ('scheduled', 'open') ORDER BY wave_id LOOP
        FOREACH parent IN ARRAY ARRAY['link_ticket', 'link_unit', 'wave_signing_key'] LOOP
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL)', parent || '_w' || w.wave_id, parent);
            EXECUTE format(
                'ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)',
                parent, parent || '_w' || w.wave_id, w.wave_id
            );
        END LOOP;
        EXECUTE format(
            'ALTER TABLE %I ALTER COLUMN ticket_hash SET STATISTICS 0', 'link_ticket_w' || w.wave_id
        );
    END LOOP;
END
$$;
