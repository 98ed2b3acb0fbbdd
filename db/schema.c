/*
 * schema.c — the store's schema, one migration per schema version.
 *
 * Each entry is run inside the migration transaction of db_open(); db.c
 * then sets PRAGMA user_version to the entry's index + 1. Rules kept by the
 * schema itself:
 *   - session ids are AUTOINCREMENT so a deleted session's id, which the
 *     audit trail keeps, is never given to another session;
 *   - answers, revisions, conclusions and notes go with their session
 *     (ON DELETE CASCADE); the audit trail has no foreign key and refuses
 *     UPDATE and DELETE, so it outlives the session;
 *   - patient label and clinician name exist only in clinician mode;
 *   - the kiosk's trail of staff events, like the audit trail, refuses
 *     UPDATE and DELETE.
 */
#include "db/schema.h"

const char *const db_migrations[] = {
	/* 1: first schema */
	"CREATE TABLE session (\n"
	"    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"    code TEXT NOT NULL UNIQUE CHECK (length(code) = 8),\n"
	"    mode TEXT NOT NULL\n"
	"        CHECK (mode IN ('clinician', 'kiosk', 'api')),\n"
	"    status TEXT NOT NULL DEFAULT 'in_progress'\n"
	"        CHECK (status IN ('in_progress', 'complete',\n"
	"                          'emergency_stopped', 'abandoned')),\n"
	"    started_at INTEGER NOT NULL,\n"
	"    updated_at INTEGER NOT NULL,\n"
	"    finished_at INTEGER,\n"
	"    rulebase_sha256 TEXT NOT NULL,\n"
	"    program_version TEXT NOT NULL,\n"
	"    patient_label TEXT,\n"
	"    clinician TEXT,\n"
	"    signed_off_by TEXT,\n"
	"    signed_off_at INTEGER,\n"
	"    CHECK (mode = 'clinician'\n"
	"           OR (patient_label IS NULL AND clinician IS NULL))\n"
	");\n"
	"CREATE INDEX session_started ON session (started_at);\n"
	"CREATE INDEX session_status ON session (status, started_at);\n"
	"\n"
	"CREATE TABLE answer (\n"
	"    session_id INTEGER NOT NULL\n"
	"        REFERENCES session (id) ON DELETE CASCADE,\n"
	"    question TEXT NOT NULL,\n"
	"    value TEXT NOT NULL,\n"
	"    seq INTEGER NOT NULL,\n"
	"    answered_at INTEGER NOT NULL,\n"
	"    PRIMARY KEY (session_id, question)\n"
	") WITHOUT ROWID;\n"
	"\n"
	"CREATE TABLE answer_revision (\n"
	"    id INTEGER PRIMARY KEY,\n"
	"    session_id INTEGER NOT NULL\n"
	"        REFERENCES session (id) ON DELETE CASCADE,\n"
	"    question TEXT NOT NULL,\n"
	"    value TEXT,\n"
	"    at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX answer_revision_session ON answer_revision (session_id);\n"
	"\n"
	"CREATE TABLE conclusion (\n"
	"    id INTEGER PRIMARY KEY,\n"
	"    session_id INTEGER NOT NULL\n"
	"        REFERENCES session (id) ON DELETE CASCADE,\n"
	"    status TEXT NOT NULL,\n"
	"    level TEXT,\n"
	"    body TEXT,\n"
	"    at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX conclusion_session ON conclusion (session_id);\n"
	"\n"
	"CREATE TABLE note (\n"
	"    id INTEGER PRIMARY KEY,\n"
	"    session_id INTEGER NOT NULL\n"
	"        REFERENCES session (id) ON DELETE CASCADE,\n"
	"    author TEXT,\n"
	"    text TEXT NOT NULL,\n"
	"    at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX note_session ON note (session_id);\n"
	"\n"
	"CREATE TABLE audit (\n"
	"    id INTEGER PRIMARY KEY,\n"
	"    session_id INTEGER NOT NULL,\n"
	"    code TEXT NOT NULL,\n"
	"    event TEXT NOT NULL,\n"
	"    mode TEXT NOT NULL,\n"
	"    at INTEGER NOT NULL,\n"
	"    detail TEXT\n"
	");\n"
	"CREATE INDEX audit_session ON audit (session_id);\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;\n",

	/*
	 * 2: one writer per session, and records that stay as signed off.
	 * A lease names the interview that holds a session (its handle's
	 * random token, process, host, start, last activity); addenda are
	 * what a clinician adds to a signed-off session. Triggers refuse any
	 * change to the answers, notes or conclusions of a signed-off session
	 * and any change to an addendum, whatever program writes the file.
	 */
	"CREATE TABLE lease (\n"
	"    session_id INTEGER PRIMARY KEY\n"
	"        REFERENCES session (id) ON DELETE CASCADE,\n"
	"    token TEXT NOT NULL,\n"
	"    pid INTEGER NOT NULL,\n"
	"    host TEXT NOT NULL,\n"
	"    started_at INTEGER NOT NULL,\n"
	"    active_at INTEGER NOT NULL\n"
	");\n"
	"\n"
	"CREATE TABLE addendum (\n"
	"    id INTEGER PRIMARY KEY,\n"
	"    session_id INTEGER NOT NULL\n"
	"        REFERENCES session (id) ON DELETE CASCADE,\n"
	"    author TEXT NOT NULL,\n"
	"    text TEXT NOT NULL,\n"
	"    at INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX addendum_session ON addendum (session_id);\n"
	"CREATE TRIGGER addendum_no_update BEFORE UPDATE ON addendum\n"
	"BEGIN SELECT RAISE(ABORT, 'an addendum cannot be changed'); END;\n"
	"CREATE TRIGGER addendum_signed_off BEFORE INSERT ON addendum\n"
	"WHEN (SELECT signed_off_by FROM session WHERE id = NEW.session_id)\n"
	"     IS NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'only a signed-off session takes an "
	"addendum'); END;\n"
	"CREATE TRIGGER answer_signed_off BEFORE INSERT ON answer\n"
	"WHEN (SELECT signed_off_by FROM session WHERE id = NEW.session_id)\n"
	"     IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'the session is signed off'); END;\n"
	"CREATE TRIGGER answer_signed_off_update BEFORE UPDATE ON answer\n"
	"WHEN (SELECT signed_off_by FROM session WHERE id = OLD.session_id)\n"
	"     IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'the session is signed off'); END;\n"
	"CREATE TRIGGER revision_signed_off BEFORE INSERT ON answer_revision\n"
	"WHEN (SELECT signed_off_by FROM session WHERE id = NEW.session_id)\n"
	"     IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'the session is signed off'); END;\n"
	"CREATE TRIGGER note_signed_off BEFORE INSERT ON note\n"
	"WHEN (SELECT signed_off_by FROM session WHERE id = NEW.session_id)\n"
	"     IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'the session is signed off'); END;\n"
	"CREATE TRIGGER conclusion_signed_off BEFORE INSERT ON conclusion\n"
	"WHEN (SELECT signed_off_by FROM session WHERE id = NEW.session_id)\n"
	"     IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'the session is signed off'); END;\n"
	"CREATE TRIGGER session_signed_off BEFORE UPDATE OF status,\n"
	"    finished_at, patient_label, clinician, signed_off_by,\n"
	"    signed_off_at ON session\n"
	"WHEN OLD.signed_off_by IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'the session is signed off'); END;\n",

	/* 3: the caller's id of a case saved by `assess --save`, unique, so a
	 * re-run batch never stores the same case twice */
	"ALTER TABLE session ADD COLUMN external_id TEXT;\n"
	"CREATE UNIQUE INDEX session_external_id ON session (external_id)\n"
	"    WHERE external_id IS NOT NULL;\n",

	/* 4, kiosk: settings (the staff PIN's hash) and the kiosk's own trail of
	 * staff events (PIN attempts, leaving, emergency screens cleared),
	 * append-only like the audit trail */
	"CREATE TABLE setting (\n"
	"    key TEXT PRIMARY KEY,\n"
	"    value TEXT NOT NULL,\n"
	"    updated_at INTEGER NOT NULL\n"
	") WITHOUT ROWID;\n"
	"\n"
	"CREATE TABLE kiosk_event (\n"
	"    id INTEGER PRIMARY KEY,\n"
	"    event TEXT NOT NULL,\n"
	"    at INTEGER NOT NULL,\n"
	"    session_id INTEGER,\n"
	"    detail TEXT\n"
	");\n"
	"CREATE INDEX kiosk_event_event ON kiosk_event (event, id);\n"
	"CREATE TRIGGER kiosk_event_no_update BEFORE UPDATE ON kiosk_event\n"
	"BEGIN SELECT RAISE(ABORT, 'the kiosk trail is append-only'); END;\n"
	"CREATE TRIGGER kiosk_event_no_delete BEFORE DELETE ON kiosk_event\n"
	"BEGIN SELECT RAISE(ABORT, 'the kiosk trail is append-only'); END;\n",
};

const int db_migration_count =
	(int)(sizeof db_migrations / sizeof db_migrations[0]);
