-- Staff accounts, their sessions and API tokens, and the audit trail of what they change.
-- Responders have no account and appear in none of these tables.

CREATE TABLE staff (
    staff_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'leader', 'researcher')),
    -- Leaders (and optionally researchers) see only this unit's subtree.
    unit_id         bigint REFERENCES unit (unit_id),
    disabled_at     timestamptz,
    failed_logins   integer NOT NULL DEFAULT 0,
    first_failed_at timestamptz,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email),
    CHECK (role <> 'leader' OR unit_id IS NOT NULL)
);

-- Only a hash of the session id is stored, so a copy of this table opens no session.
CREATE TABLE staff_session (
    session_hash bytea PRIMARY KEY,
    staff_id     bigint NOT NULL REFERENCES staff (staff_id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX staff_session_staff ON staff_session (staff_id);

-- Tokens are stored as a keyed hash (HMAC with the service's secret key).
CREATE TABLE api_token (
    token_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    staff_id     bigint NOT NULL REFERENCES staff (staff_id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_token_staff ON api_token (staff_id);

CREATE TABLE audit (
    entry_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id  bigint REFERENCES staff (staff_id),
    action    text NOT NULL,
    subject   jsonb NOT NULL DEFAULT '{}',
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_at ON audit (at);
