-- postgresql-roles.sql — the privileges of the role msktriage runs as on a
-- clinic's PostgreSQL store (docs/deployment.md). Run it as the owner of
-- the store's tables, after the first `msktriage --db URI-OF-THE-OWNER ...`
-- has created them, in the store's database:
--
--     psql "postgresql://msktriage_owner@dbhost/msktriage" \
--          -v app=msktriage_app -f db/postgresql-roles.sql
--
-- The program's role reads everything and adds rows; it changes only
-- sessions, their current answers and leases. It cannot UPDATE, DELETE or
-- TRUNCATE the audit trail, the answer history, conclusions, notes or
-- addenda: the audit trail's triggers refuse that even to the owner, and
-- without the privilege the server refuses it before any trigger runs.
-- Deleting a session removes its rows through the foreign keys' cascades,
-- which run with the owner's rights.
\set ON_ERROR_STOP on
GRANT USAGE ON SCHEMA public TO :"app";
GRANT SELECT ON msktriage_schema TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON session, answer, lease TO :"app";
GRANT SELECT, INSERT ON answer_revision, conclusion, note, addendum, audit,
    kiosk_event TO :"app";
-- the kiosk's settings (the staff PIN's hash)
GRANT SELECT, INSERT, UPDATE ON setting TO :"app";
-- lastval() after creating a session needs USAGE on the id sequences.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"app";
