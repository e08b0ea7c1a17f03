import path from 'path';
import type { Core } from '@strapi/strapi';

/**
 * SQLite is the embedded default (nothing to install); PostgreSQL is the scale-out database.
 * SQLite runs in WAL mode with a busy timeout so that concurrent writers (the message hot path,
 * the sweeper, the admin) wait for each other instead of failing with SQLITE_BUSY.
 */
const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Database => {
  const client = env('DATABASE_CLIENT', 'sqlite');

  if (client === 'postgres') {
    const url = env('DATABASE_URL', '');
    return {
      connection: {
        client: 'postgres',
        connection: (url
          ? { connectionString: url, ssl: env.bool('DATABASE_SSL', false) ? { rejectUnauthorized: env.bool('DATABASE_SSL_REJECT_UNAUTHORIZED', true) } : false, schema: env('DATABASE_SCHEMA', 'public') }
          : {
              host: env('DATABASE_HOST', '127.0.0.1'),
              port: env.int('DATABASE_PORT', 5432),
              database: env('DATABASE_NAME', 'strapi'),
              user: env('DATABASE_USERNAME', 'postgres'),
              password: env('DATABASE_PASSWORD', ''),
              ssl: env.bool('DATABASE_SSL', false) ? { rejectUnauthorized: env.bool('DATABASE_SSL_REJECT_UNAUTHORIZED', true) } : false,
              schema: env('DATABASE_SCHEMA', 'public'),
            }) as any,
        pool: { min: env.int('DATABASE_POOL_MIN', 2), max: env.int('DATABASE_POOL_MAX', 10) },
        acquireConnectionTimeout: env.int('DATABASE_CONNECTION_TIMEOUT', 60000),
      },
    };
  }

  if (client !== 'sqlite') {
    throw new Error(`Unsupported DATABASE_CLIENT "${client}": use "sqlite" (default) or "postgres".`);
  }

  const busyTimeout = env.int('DATABASE_BUSY_TIMEOUT', 10000);
  // NORMAL: in WAL mode a commit is durable across a crash of the process, not of the machine
  const synchronous = ['OFF', 'NORMAL', 'FULL'].includes(env('DATABASE_SQLITE_SYNCHRONOUS', 'NORMAL')) ? env('DATABASE_SQLITE_SYNCHRONOUS', 'NORMAL') : 'NORMAL';
  const autocheckpoint = env.int('DATABASE_SQLITE_WAL_AUTOCHECKPOINT', 1000);
  const filename = env('DATABASE_FILENAME', '.tmp/data.db');
  const walMaxMb = Math.max(1, env.int('DATABASE_SQLITE_WAL_MAX_MB', 256));
  return {
    connection: {
      client: 'sqlite',
      connection: {
        // relative paths are resolved from the application's root (not from dist/)
        filename: path.isAbsolute(filename) ? filename : path.join(process.cwd(), filename),
      },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: any, done: (err?: Error, conn?: unknown) => void) {
          try {
            conn.pragma('journal_mode = WAL');
            conn.pragma(`synchronous = ${synchronous}`);
            conn.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
            // a log that grew past its bound (see src/bootstrap/sqlite-checkpointer.ts) is cut back when it starts over
            conn.pragma(`journal_size_limit = ${walMaxMb * 1024 * 1024}`);
            conn.pragma(`busy_timeout = ${busyTimeout}`);
            conn.pragma('foreign_keys = ON');
            done(undefined, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
      acquireConnectionTimeout: env.int('DATABASE_CONNECTION_TIMEOUT', 60000),
    },
  };
};

export default config;
