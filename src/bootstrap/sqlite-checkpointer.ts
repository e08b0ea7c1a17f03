import path from 'path';
import { Worker } from 'worker_threads';
import type { Core } from '@strapi/strapi';

/**
 * SQLite in WAL mode copies the log back into the database file at checkpoints, with an fsync.
 * Left to SQLite (wal_autocheckpoint), that happens inside whichever commit crosses the
 * threshold: on the event loop, stalling every socket for tens of milliseconds. Here a worker
 * thread with its own connection runs PASSIVE checkpoints (they never block writers) on a timer,
 * and the main connection's automatic checkpoints are turned off.
 */
const WORKER = `
const { workerData, parentPort } = require('worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 5000');
const run = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { parentPort.postMessage(String(e && e.message)); }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); run(); db.close(); process.exit(0); } });
`;

export async function startSqliteCheckpointer(strapi: Core.Strapi): Promise<() => Promise<void>> {
  if (strapi.db.dialect.client !== 'sqlite') return async () => {};
  const intervalMs = Number(process.env.DATABASE_SQLITE_CHECKPOINT_MS ?? 1000);
  if (!(intervalMs > 0)) return async () => {};
  const filename = (strapi.config.get('database.connection.connection') as { filename: string }).filename;
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { filename: path.resolve(filename), intervalMs, driver: require.resolve('better-sqlite3') },
  });
  worker.on('message', (m) => strapi.log.warn(`[sqlite-checkpointer] ${m}`));
  worker.on('error', (e) => strapi.log.error(`[sqlite-checkpointer] ${e.message}`));
  worker.unref();
  await strapi.db.connection.raw('PRAGMA wal_autocheckpoint = 0');
  return async () => {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    await worker.terminate();
  };
}
