/**
 * The one set of SQL migrations, applied in order by PGlite and PostgreSQL
 * alike and recorded in `schema_migrations`. A migration is never changed
 * once released: add the next one.
 *
 * Times are stored as the ISO 8601 text the service answered with, so that
 * an answer given again (a deposit sent twice) is the same, to the millisecond.
 */
import type { Db } from './db.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'enrolment, deposits, audit log',
    sql: `
CREATE TABLE enrolment_codes (
  code_digest text PRIMARY KEY,          -- hex(SHA-256(code)): the code itself is never stored
  name        text NOT NULL,             -- the person the officer issued it for
  issued_at   text NOT NULL,
  used_at     text,
  identity_id text                       -- who used it
);
CREATE TABLE people (
  identity_id  text PRIMARY KEY,         -- v2 §2 identity ID
  name         text NOT NULL,
  public_key   text NOT NULL,            -- b64u(rsaSpki)
  signing_key  text NOT NULL,            -- b64u(ed25519Spki)
  enrolled_at  text NOT NULL,
  code_digest  text NOT NULL REFERENCES enrolment_codes (code_digest)
);
CREATE TABLE deposits (
  file_id       text PRIMARY KEY,
  serial        text NOT NULL,
  owner_id      text NOT NULL REFERENCES people (identity_id),
  escrow_digest text NOT NULL,           -- v2 §5: b64u(SHA-256(canonical(blob)))
  blob          text NOT NULL,           -- canonical(blob), its signature included
  stored_at     text NOT NULL,
  audit_seq     integer NOT NULL
);
CREATE INDEX deposits_owner ON deposits (owner_id);
CREATE INDEX deposits_serial ON deposits (serial);
CREATE TABLE audit_log (
  seq   integer PRIMARY KEY,
  entry text NOT NULL,                   -- canonical JSON of the entry (core/audit.ts), its hash included
  hash  text NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'people, officers, councils, sign-in, receipts, the desk\'s search',
    sql: `
ALTER TABLE people ADD COLUMN person_id text;
UPDATE people SET person_id = identity_id;
ALTER TABLE people ALTER COLUMN person_id SET NOT NULL;   -- the person's first identity ID
ALTER TABLE people ALTER COLUMN code_digest DROP NOT NULL; -- an identity enrolled by a recovery case has no code
CREATE INDEX people_person ON people (person_id);
CREATE TABLE officers (
  identity_id text PRIMARY KEY,
  name        text NOT NULL,
  public_key  text NOT NULL,             -- b64u(rsaSpki)
  signing_key text NOT NULL,             -- b64u(ed25519Spki)
  added_at    text NOT NULL
);
CREATE TABLE councils (
  council_id  text PRIMARY KEY,          -- v2 §8.1 council ID
  name        text NOT NULL,
  threshold   integer NOT NULL,
  descriptor  text NOT NULL,             -- canonical(descriptor)
  added_at    text NOT NULL
);
CREATE TABLE council_members (
  council_id   text NOT NULL REFERENCES councils (council_id),
  member_index integer NOT NULL,         -- i, from 1
  identity_id  text NOT NULL,
  name         text NOT NULL,
  public_key   text NOT NULL,
  signing_key  text NOT NULL,
  PRIMARY KEY (council_id, member_index)
);
CREATE INDEX council_members_identity ON council_members (identity_id);
CREATE TABLE service_keys (
  key_id      text PRIMARY KEY,          -- "SHA256:" + hex(SHA-256(spki))
  public_key  text NOT NULL,             -- b64u(Ed25519 SPKI)
  private_key text NOT NULL,             -- b64u(Ed25519 PKCS#8)
  created_at  text NOT NULL
);
CREATE TABLE challenges (
  nonce_digest text PRIMARY KEY,         -- hex(SHA-256(nonce))
  identity_id  text NOT NULL,
  challenge    text NOT NULL,            -- canonical(challenge), as signed
  expires_at   text NOT NULL,
  used_at      text
);
CREATE TABLE sessions (
  token_digest text PRIMARY KEY,         -- hex(SHA-256(token)): the token itself is never stored
  identity_id  text NOT NULL,
  created_at   text NOT NULL,
  expires_at   text NOT NULL
);
CREATE TABLE receipts (
  file_id        text NOT NULL REFERENCES deposits (file_id),
  signer         text NOT NULL,          -- the receipt's authority.id
  uploaded_by    text NOT NULL,          -- the signed-in officer or member
  receipt        text NOT NULL,          -- canonical(receipt)
  receipt_digest text NOT NULL,
  uploaded_at    text NOT NULL,
  audit_seq      integer NOT NULL,
  PRIMARY KEY (file_id, signer)
);
ALTER TABLE deposits ADD COLUMN description text;
ALTER TABLE deposits ADD COLUMN authority_id text;
ALTER TABLE deposits ADD COLUMN authority_kind text;
UPDATE deposits SET description = (blob::jsonb) ->> 'description', authority_id = (blob::jsonb) -> 'authority' ->> 'id', authority_kind = (blob::jsonb) -> 'authority' ->> 'kind';
ALTER TABLE deposits ALTER COLUMN description SET NOT NULL;
ALTER TABLE deposits ALTER COLUMN authority_id SET NOT NULL;
ALTER TABLE deposits ALTER COLUMN authority_kind SET NOT NULL;
-- The description's words, kept (not computed again for every row a search looks at), and their index.
ALTER TABLE deposits ADD COLUMN description_words tsvector GENERATED ALWAYS AS (to_tsvector('simple', description)) STORED;
CREATE INDEX deposits_description ON deposits USING gin (description_words);
CREATE INDEX deposits_stored ON deposits (stored_at, file_id);
CREATE INDEX deposits_owner_stored ON deposits (owner_id, stored_at, file_id);
CREATE INDEX deposits_serial_stored ON deposits (serial, stored_at, file_id);
ALTER TABLE audit_log ADD COLUMN owner_id text;
UPDATE audit_log SET owner_id = (entry::jsonb) -> 'data' ->> 'ownerId';
CREATE INDEX audit_log_owner ON audit_log (owner_id, seq);
`,
  },
  {
    version: 3,
    name: 'recovery cases',
    sql: `
CREATE TABLE cases (
  case_id          text PRIMARY KEY,     -- 15 random bytes, b64u
  lost_identity_id text NOT NULL REFERENCES people (identity_id),
  new_identity_id  text NOT NULL,        -- the applicant
  new_public_key   text NOT NULL,        -- b64u(rsaSpki) of the new identity
  new_signing_key  text NOT NULL,        -- b64u(ed25519Spki): the applicant signs in with it before being enrolled
  new_key_id       text NOT NULL,        -- the new RSA key's key ID, which every uploaded blob must name
  request          text NOT NULL,        -- canonical(signed request), as sent
  state            text NOT NULL CHECK (state IN ('open', 'verified', 'refused', 'ready')),
  opened_at        text NOT NULL
);
-- One open or verified case per lost identity, and per new identity.
CREATE UNIQUE INDEX cases_active_lost ON cases (lost_identity_id) WHERE state IN ('open', 'verified');
CREATE UNIQUE INDEX cases_active_new ON cases (new_identity_id) WHERE state IN ('open', 'verified');
CREATE INDEX cases_new_identity ON cases (new_identity_id);
CREATE INDEX cases_opened ON cases (opened_at, case_id);
CREATE TABLE case_files (                -- every deposit of the lost identity when the case was opened
  case_id text NOT NULL REFERENCES cases (case_id),
  file_id text NOT NULL REFERENCES deposits (file_id),
  PRIMARY KEY (case_id, file_id)
);
CREATE TABLE case_uploads (
  case_id      text NOT NULL,
  file_id      text NOT NULL,
  issuer_id    text NOT NULL,            -- who signed the blob: a member, or the file's authority identity
  kind         text NOT NULL CHECK (kind IN ('partial', 'recovery')),
  member_index integer,                  -- a partial's issuer.index
  by_id        text NOT NULL,            -- the signed-in identity that uploaded it
  at           text NOT NULL,
  blob         text NOT NULL,            -- canonical(blob)
  audit_seq    integer NOT NULL,
  PRIMARY KEY (case_id, file_id, issuer_id),
  FOREIGN KEY (case_id, file_id) REFERENCES case_files (case_id, file_id)
);
CREATE TABLE case_steps (
  audit_seq integer PRIMARY KEY,         -- the step's audit entry
  case_id   text NOT NULL REFERENCES cases (case_id),
  event     text NOT NULL,
  at        text NOT NULL,
  by_id     text NOT NULL,               -- who acted
  detail    text NOT NULL                -- the note, the method, the reason, the file ID, or empty
);
CREATE INDEX case_steps_case ON case_steps (case_id, audit_seq);
`,
  },
  {
    version: 4,
    name: 'the authority\'s name beside its ID; no index the search does not use',
    sql: `
-- A search answers with the authority's name; kept in the row, a page of results never reads the blobs.
ALTER TABLE deposits ADD COLUMN authority_name text;
UPDATE deposits SET authority_name = (blob::jsonb) -> 'authority' ->> 'name';
ALTER TABLE deposits ALTER COLUMN authority_name SET NOT NULL;
-- A search by owner uses (owner_id, stored_at, file_id): owner_id alone only slowed every deposit. A serial names
-- one file (it is made from the file ID), so serial alone finds it and (serial, stored_at, file_id) was twice its size.
DROP INDEX deposits_owner;
DROP INDEX deposits_serial_stored;
`,
  },
  {
    version: 5,
    name: 'a blob is stored without trying to compress it',
    sql: `
-- A blob is mostly base64 of random bytes (a ciphertext, keys, signatures): PostgreSQL's compression (pglz) never
-- shrinks it enough to keep, so every deposit paid for the attempt and stored it out of line uncompressed anyway.
-- EXTERNAL stores it the same way without the attempt.
ALTER TABLE deposits ALTER COLUMN blob SET STORAGE EXTERNAL;
`,
  },
  {
    version: 6,
    name: 'cases for one identity open side by side, one verified at a time',
    sql: `
-- Anyone holding a new identity may open a case for an enrolled one, without signing in. With one open case per
-- lost identity, whoever opened one first kept the person from opening their own until an officer refused it.
-- Cases for one identity now open side by side (the officer verifies the person's own); one is verified at a time.
DROP INDEX cases_active_lost;
CREATE UNIQUE INDEX cases_verified_lost ON cases (lost_identity_id) WHERE state = 'verified';
`,
  },
  {
    version: 7,
    name: 'a verified case can be refused, and its new identity is revoked',
    sql: `
-- Verifying a case enrols its new identity as the person. An officer who finds out afterwards that the case was not
-- the person's refuses it; the new identity is then revoked: it holds no person's role, deposits nothing, reads none
-- of the person's records and is never enrolled again. Its row stays, for the deposits and the log that name it.
ALTER TABLE people ADD COLUMN revoked_at text;
ALTER TABLE people ADD COLUMN revoked_by_case text;
`,
  },
  {
    version: 8,
    name: 'the authorities the service keeps escrow for, and retiring one',
    sql: `
-- A deposit is stored only for an authority the organisation registered (keyward service authority add) or a
-- registered council: a blob escrowed to any other identity was acknowledged before, and nobody learnt until an
-- officer's escrow check that no one here could open it. Nothing is registered by this migration: until an officer
-- registers the authorities, deposits are refused (AUTHORITY_NOT_SERVED) and the app sends them again later.
CREATE TABLE authorities (
  identity_id text PRIMARY KEY,          -- the authority's identity ID (v2 §2), as a blob's authority.id names it
  name        text NOT NULL,
  public_key  text NOT NULL,             -- b64u(rsaSpki)
  signing_key text NOT NULL,             -- b64u(ed25519Spki)
  added_at    text NOT NULL,
  retired_at  text                       -- set by keyward service authority retire: no deposit is stored for it after
);
-- A council can be retired too (keyward service council retire): its members still work the desk for the files
-- escrowed to it, but no deposit is stored for it after.
ALTER TABLE councils ADD COLUMN retired_at text;
`,
  },
];

/** The version the code expects (the last migration's). */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Taken for the length of a transaction that migrates (two instances may start at once). */
const MIGRATION_LOCK = 0x6b77_6d31;

/**
 * Applies the migrations the database lacks, each in the same transaction as its row in `schema_migrations`.
 *
 * @returns the versions applied now
 */
export async function migrate(db: Db): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)');
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((row) => row.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, new Date().toISOString()]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/** The highest version applied (0 before the first migration). */
export async function schemaVersion(db: Db): Promise<number> {
  const table = await db.query<{ present: string | null }>("SELECT to_regclass('schema_migrations')::text AS present");
  if (!table[0]?.present) return 0;
  const rows = await db.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return rows[0]?.version ?? 0;
}
