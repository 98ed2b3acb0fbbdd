/*
 * schema.h — the store's schema as numbered migrations (internal to db/).
 *
 * db_migrations[i] takes a store from PRAGMA user_version i to i + 1; a new
 * store runs them all. Append new migrations; never edit a released one.
 */
#ifndef MSKTRIAGE_DB_SCHEMA_H
#define MSKTRIAGE_DB_SCHEMA_H

/* PRAGMA application_id of a msktriage store: "MSKT". */
#define DB_APPLICATION_ID 0x4D534B54

extern const char *const db_migrations[];
extern const int db_migration_count;

/* The same versions for PostgreSQL (schema_pg.c). */
extern const char *const db_pg_migrations[];
extern const int db_pg_migration_count;

#endif
