import type { Core } from '@strapi/strapi';
import { randomBytes } from 'crypto';
import type { Knex } from 'knex';
import type { Services } from './services';

export const PLUGIN_ID = 'live-chat';

export const getService = <K extends keyof Services>(strapi: Core.Strapi, name: K): Services[K] =>
  strapi.plugin(PLUGIN_ID).service(name) as Services[K];

export const knexOf = (strapi: Core.Strapi): Knex => strapi.db.connection as unknown as Knex;

export const isPostgres = (strapi: Core.Strapi) => strapi.db.dialect.client === 'postgres';

/**
 * Times written through knex must be stored exactly like the ones Strapi's query layer writes,
 * so that both compare and sort alike: on SQLite, epoch milliseconds (what knex's better-sqlite3
 * client makes of a Date; a string would compare greater than every number); on PostgreSQL, a
 * Date (the driver converts).
 */
export const toDbTime = (strapi: Core.Strapi, d: Date): number | Date => (isPostgres(strapi) ? d : d.getTime());

export const fromDbTime = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return new Date(v).toISOString();
  const s = String(v);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`).toISOString();
};

export const parseJsonArray = (v: unknown): string[] => {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' && v) {
    try {
      const parsed = JSON.parse(v);
      return Array.isArray(parsed) ? parsed.map(String) : [];
    } catch {
      return [];
    }
  }
  return [];
};

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
let pool = Buffer.alloc(0);
let poolAt = 0;

/** Strapi's documentId shape (24 lowercase alphanumerics), from random bytes drawn in batches. */
export const newDocumentId = () => {
  if (poolAt + 23 > pool.length) {
    pool = randomBytes(23 * 256);
    poolAt = 0;
  }
  let out = 'm';
  for (let i = 0; i < 23; i++) out += ALPHABET[pool[poolAt++] % ALPHABET.length];
  return out;
};

export const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed|duplicate key value/.test(e?.message ?? '');
};
