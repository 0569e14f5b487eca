-- uchet: the only DDL of the system. Shared by the collector and the portal; applied by `uchet db init`.
--
-- Idempotent: every statement may run again on an existing database without changing or losing data.
-- Runs on plain PostgreSQL (>= 14). The part after the line "-- @timescale" runs only where the
-- timescaledb extension is available, statement by statement outside a transaction (continuous
-- aggregates refuse transaction blocks). Queries of the application are valid on both paths.
--
-- Schema changes: bump schema_version below and add an idempotent migration step (ALTER ... IF NOT EXISTS)
-- in the same file, so an existing installation upgrades by running `uchet db init` again.

CREATE TABLE IF NOT EXISTS schema_version (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    backend     text NOT NULL CHECK (backend IN ('postgresql', 'timescaledb'))
);

-- ---------------------------------------------------------------- directory: РЭС and settlements

CREATE TABLE IF NOT EXISTS res (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    -- IANA zone of the office: the five working days of a review are counted here.
    timezone    text NOT NULL DEFAULT 'Europe/Moscow' CHECK (timezone ~ '^[A-Za-z]+/[A-Za-z_+-]+'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS settlements (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    district    text NOT NULL DEFAULT '' CHECK (length(district) <= 200),
    res_id      integer NOT NULL REFERENCES res (id),   -- each settlement lies in exactly one РЭС zone
    timezone    text CHECK (timezone ~ '^[A-Za-z]+/[A-Za-z_+-]+'),  -- NULL: the РЭС's zone
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, district)
);
CREATE INDEX IF NOT EXISTS settlements_name_search ON settlements (lower(name) text_pattern_ops);

-- Regional days off and other deviations from the federal production calendar.
CREATE TABLE IF NOT EXISTS calendar_overrides (
    day         date NOT NULL,
    res_id      integer REFERENCES res (id),             -- NULL: applies to every РЭС
    is_working  boolean NOT NULL,
    note        text NOT NULL DEFAULT '',
    UNIQUE NULLS NOT DISTINCT (day, res_id)
);

-- ---------------------------------------------------------------- people

CREATE TABLE IF NOT EXISTS users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role            text NOT NULL CHECK (role IN ('consumer', 'staff', 'dispatcher', 'admin')),
    consumer_kind   text CHECK (consumer_kind IN ('individual', 'legal')),
    email           text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 254),
    full_name       text NOT NULL CHECK (length(btrim(full_name)) BETWEEN 2 AND 200),
    organisation    text CHECK (length(organisation) <= 300),
    phone           text NOT NULL CHECK (phone ~ '^\+?[0-9]{10,15}$'),
    password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    is_active       boolean NOT NULL DEFAULT true,
    locale          text NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'consumer') = (consumer_kind IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_unique ON users (lower(email));

-- Consent to personal-data processing (152-ФЗ): its own record with the text version the person saw.
CREATE TABLE IF NOT EXISTS consents (
    user_id       bigint NOT NULL REFERENCES users (id),
    text_version  text NOT NULL,
    given_at      timestamptz NOT NULL DEFAULT now(),
    ip            inet,
    PRIMARY KEY (user_id, text_version)
);

-- Server-side sessions: the cookie carries a random token, the table its SHA-256; logout revokes the row.
CREATE TABLE IF NOT EXISTS user_sessions (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    data         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS user_sessions_user ON user_sessions (user_id);

CREATE TABLE IF NOT EXISTS password_resets (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- Rate-limit hits of the portal (login, registration, reset, requests), shared by every gunicorn worker.
-- `key` is a SHA-256 of the limit name and the account or address, never the e-mail in clear.
CREATE TABLE IF NOT EXISTS rate_hits (
    key  bytea NOT NULL CHECK (length(key) = 32),
    at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rate_hits_key_at ON rate_hits (key, at);

CREATE TABLE IF NOT EXISTS staff_res (
    user_id  bigint NOT NULL REFERENCES users (id),
    res_id   integer NOT NULL REFERENCES res (id),
    PRIMARY KEY (user_id, res_id)
);

-- Mail goes here first; a sender (or the log, when no SMTP is configured) empties it.
CREATE TABLE IF NOT EXISTS outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);

CREATE TABLE IF NOT EXISTS notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    text        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX IF NOT EXISTS notifications_user ON notifications (user_id, created_at DESC);

-- ---------------------------------------------------------------- meters

-- Meter registry. `serial` as typed in the registry (leading zeros kept); `serial_key` without them, for
-- matching (polling software often stores serials as integers). `reported_serial` is what the meter says.
CREATE TABLE IF NOT EXISTS meters (
    id                  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                text UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),  -- meter id in config.yaml
    serial              text NOT NULL CHECK (serial ~ '^[0-9A-Z]{4,20}$'),
    serial_key          text GENERATED ALWAYS AS (COALESCE(NULLIF(ltrim(serial, '0'), ''), '0')) STORED,
    model               text NOT NULL DEFAULT '',
    manufacturer        text NOT NULL DEFAULT '',
    protocol            text NOT NULL CHECK (protocol IN ('dlms', 'modbus')),
    contract            text CHECK (length(contract) BETWEEN 3 AND 30),
    contract_key        text,
    object_name         text NOT NULL DEFAULT '',
    object_address      text NOT NULL DEFAULT '',
    settlement_id       integer REFERENCES settlements (id),
    timezone            text NOT NULL DEFAULT 'Europe/Moscow' CHECK (timezone ~ '^[A-Za-z]+/[A-Za-z_+-]+'),
    reported_serial     text,
    firmware            text,
    manufactured        text,
    spodes_version      text,
    verification_date   date,
    next_verification   date,
    ct_ratio            numeric CHECK (ct_ratio > 0),
    vt_ratio            numeric CHECK (vt_ratio > 0),
    tariff_count        smallint CHECK (tariff_count BETWEEN 1 AND 8),
    nameplate_read_at   timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (next_verification IS NULL OR verification_date IS NULL OR next_verification > verification_date)
);
CREATE INDEX IF NOT EXISTS meters_serial_key ON meters (serial_key);
CREATE INDEX IF NOT EXISTS meters_contract_key ON meters (contract_key);
CREATE INDEX IF NOT EXISTS meters_settlement ON meters (settlement_id);

-- OBIS codes stored once; readings refer to them by a smallint.
CREATE TABLE IF NOT EXISTS obis (
    id       smallint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code     text NOT NULL UNIQUE CHECK (code ~ '^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$'),
    name_ru  text NOT NULL DEFAULT '',
    name_en  text NOT NULL DEFAULT '',
    unit     text
);

-- Values only: a value the meter did not give (timeout, garbled frame, device error) is never a row here;
-- the failure goes to meter_status. `estimated` marks values that were not measured (never mixed silently).
-- `source`: 'register' (instant read), 'profile' (load profile interval), 'daily'/'monthly' (billing).
CREATE TABLE IF NOT EXISTS readings (
    meter_id   integer NOT NULL REFERENCES meters (id),
    obis_id    smallint NOT NULL REFERENCES obis (id),
    ts         timestamptz NOT NULL,
    value      numeric NOT NULL,
    source     text NOT NULL CHECK (source IN ('register', 'profile', 'daily', 'monthly')),
    estimated  boolean NOT NULL DEFAULT false,
    status     integer,                                  -- the meter's AMR status word, if any
    PRIMARY KEY (meter_id, obis_id, ts) INCLUDE (value, estimated, source)
);
-- The key covers what the portal reads (value, estimated, source): a meter's year of half-hours is then an
-- index-only scan of ~17,500 adjacent entries instead of as many heap pages (the collector writes every meter
-- each half-hour, so one meter's rows are spread over the whole table). Measured in bench/portal.py and
-- bench/ingest.py (see the commit). Upgrade of the older key: rebuilt once here, on plain PostgreSQL only; a
-- hypertable keeps its key (its old chunks are compressed and read through the compressed segments anyway).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
       AND EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'readings'::regclass AND indisprimary
                   AND indnatts = indnkeyatts) THEN
        ALTER TABLE readings DROP CONSTRAINT readings_pkey,
            ADD CONSTRAINT readings_pkey PRIMARY KEY (meter_id, obis_id, ts) INCLUDE (value, estimated, source);
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS event_codes (
    journal     smallint NOT NULL CHECK (journal BETWEEN 0 AND 13),
    code        integer NOT NULL,
    text_ru     text NOT NULL,
    text_en     text NOT NULL DEFAULT '',
    pairs_with  integer,          -- for a start event: the code that ends its interval
    PRIMARY KEY (journal, code)
);

CREATE TABLE IF NOT EXISTS events (
    meter_id  integer NOT NULL REFERENCES meters (id),
    journal   smallint NOT NULL CHECK (journal BETWEEN 0 AND 13),
    ts        timestamptz NOT NULL,
    code      integer NOT NULL,
    data      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (meter_id, journal, ts, code)
);

CREATE TABLE IF NOT EXISTS meter_status (
    meter_id              integer PRIMARY KEY REFERENCES meters (id),
    last_attempt          timestamptz,
    last_success          timestamptz,
    last_error_class      text,          -- timeout, link, auth, framing, device, config
    last_error            text,
    consecutive_failures  integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    clock_drift_s         double precision,
    clock_checked_at      timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- How many load-profile slots of a local day arrived (expected from the capture period).
CREATE TABLE IF NOT EXISTS meter_completeness (
    meter_id   integer NOT NULL REFERENCES meters (id),
    day        date NOT NULL,
    expected   integer NOT NULL CHECK (expected >= 0),
    received   integer NOT NULL CHECK (received >= 0),
    permanent_gaps integer NOT NULL DEFAULT 0 CHECK (permanent_gaps >= 0),
    PRIMARY KEY (meter_id, day)
);

-- On-demand lane: the portal or an engineer asks the collector to read a meter now.
CREATE TABLE IF NOT EXISTS read_requests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meter_id      integer NOT NULL REFERENCES meters (id),
    requested_by  bigint REFERENCES users (id),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    picked_at     timestamptz,
    done_at       timestamptz,
    outcome       text
);
CREATE INDEX IF NOT EXISTS read_requests_open ON read_requests (requested_at) WHERE picked_at IS NULL;

-- ---------------------------------------------------------------- connection requests («Подключить ПУ»)

CREATE TABLE IF NOT EXISTS connection_requests (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             bigint NOT NULL REFERENCES users (id),
    applicant_kind      text NOT NULL CHECK (applicant_kind IN ('individual', 'legal')),
    settlement_id       integer REFERENCES settlements (id),
    settlement_text     text CHECK (length(settlement_text) <= 200),   -- typed freely: goes to the dispatcher
    res_id              integer REFERENCES res (id),                   -- NULL until a dispatcher assigns it
    serial_typed        text NOT NULL CHECK (length(serial_typed) <= 60),
    serial              text NOT NULL CHECK (serial ~ '^[0-9A-Z]{4,20}$'),
    serial_key          text GENERATED ALWAYS AS (COALESCE(NULLIF(ltrim(serial, '0'), ''), '0')) STORED,
    contract_typed      text NOT NULL CHECK (length(contract_typed) <= 60),
    contract_key        text NOT NULL CHECK (length(contract_key) BETWEEN 3 AND 30),
    org_name            text CHECK (length(btrim(org_name)) BETWEEN 2 AND 300),
    ogrn                text CHECK (ogrn ~ '^[15][0-9]{12}$' OR ogrn ~ '^3[0-9]{14}$'),
    registry_date       date,
    warnings            jsonb NOT NULL DEFAULT '[]',
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('dispatch', 'pending', 'approved', 'rejected')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    due_at              timestamptz,
    due_approximate     boolean NOT NULL DEFAULT false,
    match_result        jsonb,
    meter_id            integer REFERENCES meters (id),
    decided_at          timestamptz,
    decided_by          bigint REFERENCES users (id),
    reject_reason_code  text,
    reject_reason_text  text CHECK (length(reject_reason_text) <= 1000),
    CHECK (settlement_id IS NOT NULL OR settlement_text IS NOT NULL),
    CHECK (applicant_kind = 'individual'
           OR (org_name IS NOT NULL AND ogrn IS NOT NULL AND registry_date IS NOT NULL)),
    CHECK (status <> 'pending' OR (res_id IS NOT NULL AND due_at IS NOT NULL)),
    CHECK (status NOT IN ('approved', 'rejected') OR (decided_at IS NOT NULL AND decided_by IS NOT NULL)),
    CHECK (status <> 'approved' OR meter_id IS NOT NULL),
    CHECK (status <> 'rejected' OR reject_reason_code IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS connection_requests_queue ON connection_requests (res_id, status, due_at);
CREATE INDEX IF NOT EXISTS connection_requests_user ON connection_requests (user_id, created_at DESC);

CREATE TABLE IF NOT EXISTS meter_access (
    user_id     bigint NOT NULL REFERENCES users (id),
    meter_id    integer NOT NULL REFERENCES meters (id),
    request_id  bigint REFERENCES connection_requests (id),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, meter_id)
);
CREATE INDEX IF NOT EXISTS meter_access_meter ON meter_access (meter_id);

-- ---------------------------------------------------------------- audit (append-only)

CREATE TABLE IF NOT EXISTS audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id),
    action      text NOT NULL,             -- e.g. request.approve, request.view, user.login
    object_type text,
    object_id   text,
    details     jsonb NOT NULL DEFAULT '{}',
    ip          inet
);
CREATE INDEX IF NOT EXISTS audit_log_object ON audit_log (object_type, object_id, at);

-- A trigger rather than GRANTs alone: it holds for every role, the owner included.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- ---------------------------------------------------------------- consumption (plain PostgreSQL path)

-- Hourly sums of load-profile increments. Every Russian time zone is a whole number of hours from UTC
-- (no DST), so local days and months are exact sums of these hours. On TimescaleDB the @timescale part
-- replaces this view by a continuous aggregate of the same name and columns.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        EXECUTE $v$
            CREATE OR REPLACE VIEW consumption_hourly AS
            SELECT meter_id, obis_id, date_bin('1 hour', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour,
                   sum(value) AS value, count(*) AS slots, bool_or(estimated) AS estimated
              FROM readings
             WHERE source = 'profile'
             GROUP BY 1, 2, 3
        $v$;
    END IF;
END $$;

-- ---------------------------------------------------------------- reference data

INSERT INTO obis (code, name_ru, name_en, unit) VALUES
    ('1.0.1.8.0.255', 'A+ сумма', 'A+ total', 'kWh'),
    ('1.0.1.8.1.255', 'A+ T1', 'A+ T1', 'kWh'),
    ('1.0.1.8.2.255', 'A+ T2', 'A+ T2', 'kWh'),
    ('1.0.1.8.3.255', 'A+ T3', 'A+ T3', 'kWh'),
    ('1.0.1.8.4.255', 'A+ T4', 'A+ T4', 'kWh'),
    ('1.0.2.8.0.255', 'A− сумма', 'A− total', 'kWh'),
    ('1.0.3.8.0.255', 'R+ сумма', 'R+ total', 'kvarh'),
    ('1.0.4.8.0.255', 'R− сумма', 'R− total', 'kvarh'),
    ('1.0.1.29.0.255', 'A+ за интервал', 'A+ per interval', 'kWh'),
    ('1.0.2.29.0.255', 'A− за интервал', 'A− per interval', 'kWh'),
    ('1.0.3.29.0.255', 'R+ за интервал', 'R+ per interval', 'kvarh'),
    ('1.0.4.29.0.255', 'R− за интервал', 'R− per interval', 'kvarh'),
    ('1.0.32.7.0.255', 'Напряжение фазы A', 'Voltage L1', 'V'),
    ('1.0.52.7.0.255', 'Напряжение фазы B', 'Voltage L2', 'V'),
    ('1.0.72.7.0.255', 'Напряжение фазы C', 'Voltage L3', 'V'),
    ('1.0.31.7.0.255', 'Ток фазы A', 'Current L1', 'A'),
    ('1.0.51.7.0.255', 'Ток фазы B', 'Current L2', 'A'),
    ('1.0.71.7.0.255', 'Ток фазы C', 'Current L3', 'A'),
    ('1.0.1.7.0.255', 'Активная мощность', 'Active power', 'kW'),
    ('1.0.14.7.0.255', 'Частота сети', 'Frequency', 'Hz'),
    ('1.0.13.7.0.255', 'Коэффициент мощности', 'Power factor', NULL)
ON CONFLICT (code) DO NOTHING;

-- Versions: 1 the first schema; 2 the readings key covers value, estimated, source (the DO block above).
INSERT INTO schema_version (version, backend)
SELECT v, CASE WHEN EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
               THEN 'timescaledb' ELSE 'postgresql' END
  FROM generate_series(1, 2) AS v
ON CONFLICT (version) DO NOTHING;

-- @timescale
-- Everything below runs only where the timescaledb extension is available, one statement at a time
-- in autocommit mode (split_schema: one statement per line). Each statement is idempotent (if_not_exists,
-- IF NOT EXISTS, or a guard), so `uchet db init` runs again without changing anything. Verified against
-- TimescaleDB 2.29.2 (TSL community build) on PostgreSQL 18: fresh database, second run, and an upgrade
-- of a database first initialised on plain PostgreSQL.
CREATE EXTENSION IF NOT EXISTS timescaledb;
-- Upgrade from plain PostgreSQL: drop the plain view of the same name, but never the continuous aggregate
-- (DROP VIEW on a continuous aggregate is refused, so an unguarded DROP made the second run fail).
DO $$ BEGIN IF to_regclass('consumption_hourly') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM timescaledb_information.continuous_aggregates WHERE view_schema = current_schema() AND view_name = 'consumption_hourly') THEN DROP VIEW consumption_hourly; END IF; END $$;
-- No default index on ts alone: the primary keys (meter_id first, ts inside) serve the per-meter queries.
SELECT create_hypertable('readings', by_range('ts', INTERVAL '30 days'), create_default_indexes => false, if_not_exists => true, migrate_data => true);
SELECT create_hypertable('events', by_range('ts', INTERVAL '90 days'), create_default_indexes => false, if_not_exists => true, migrate_data => true);
ALTER TABLE readings SET (timescaledb.compress, timescaledb.compress_segmentby = 'meter_id', timescaledb.compress_orderby = 'obis_id, ts');
SELECT add_compression_policy('readings', INTERVAL '60 days', if_not_exists => true);
SELECT add_retention_policy('events', INTERVAL '10 years', if_not_exists => true);
-- Same name and columns as the plain view. materialized_only = false (real-time aggregation): hours not yet
-- materialised are computed from readings at query time, as the plain view does; TimescaleDB >= 2.13
-- defaults to materialized-only, which would hide the last hours until the refresh policy runs.
CREATE MATERIALIZED VIEW IF NOT EXISTS consumption_hourly WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS SELECT meter_id, obis_id, time_bucket(INTERVAL '1 hour', ts) AS hour, sum(value) AS value, count(*) AS slots, bool_or(estimated) AS estimated FROM readings WHERE source = 'profile' GROUP BY meter_id, obis_id, time_bucket(INTERVAL '1 hour', ts) WITH NO DATA;
SELECT add_continuous_aggregate_policy('consumption_hourly', start_offset => INTERVAL '200 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes', if_not_exists => true);
