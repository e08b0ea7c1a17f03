import path from 'path';
import { Worker } from 'worker_threads';
import type { Core } from '@strapi/strapi';

/**
 * SQLite in WAL mode copies the log back into the database file at checkpoints, with an fsync.
 * Left to SQLite (wal_autocheckpoint), that happens inside whichever commit crosses the
 * threshold: on the event loop, stalling every socket for tens of milliseconds. Here a worker
 * thread with its own connection (at the lowest CPU priority) runs PASSIVE checkpoints (they never
 * block writers) on a timer (DATABASE_SQLITE_CHECKPOINT_MS, 1000), the main connection's automatic
 * checkpoints are turned off, and the log is kept near DATABASE_SQLITE_WAL_MAX_MB (256) as below.
 */
const WORKER = `
const { workerData, parentPort } = require('worker_threads');
const Database = require(workerData.driver);
// Linux keeps a nice value per thread: this one yields its core to the event loop
try {
  const tid = Number(require('fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (tid > 0) require('os').setPriority(tid, workerData.nice);
} catch (e) { /* not Linux, or not allowed: the default priority */ }
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 5000');
const pageSize = db.pragma('page_size', { simple: true });
// SQLite starts the log over only when a write begins with every frame already copied back. A
// PASSIVE pass never blocks the writer, but it copies only the frames there were when it began:
// under a steady write load, one pass a second never catches up and the log grew by 60 MB/s at
// 1,000 messages/s, without bound. So passes follow each other while they shrink (the frames
// written during a pass are far fewer than it copied) until one finds nothing new; when ten did not
// get there, the next ten follow after DATABASE_SQLITE_CHECKPOINT_BEHIND_MS (10), not after a whole
// interval: a log left to grow for a second past its previous size made the file grow (block
// allocation in the writer's own writes) and the event loop's CPU per message with it. If the writer
// still keeps ahead and the log has passed its bound, the event loop is asked to copy the rest
// itself, between two of its own writes (a few dozen frames but two fsyncs: 3-10 ms here, so only
// then), and its next write starts the log over.
let handedOver = false; // the event loop is finishing: this thread keeps off the checkpoint lock
const run = () => {
  if (handedOver) return workerData.intervalMs;
  try {
    let before = -1;
    let r;
    for (let pass = 0; pass < workerData.maxPasses; pass++) {
      r = db.pragma('wal_checkpoint(PASSIVE)')[0];
      if (!r || r.log < 0 || r.log === before) return workerData.intervalMs;
      before = r.log;
    }
    if (r.log * pageSize >= workerData.maxWalBytes) {
      handedOver = true;
      parentPort.postMessage('finish');
      return workerData.intervalMs;
    }
    return workerData.behindMs;
  } catch (e) { parentPort.postMessage(String(e && e.message)); return workerData.intervalMs; }
};
let timer;
const loop = () => { timer = setTimeout(loop, run()); };
timer = setTimeout(loop, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'finished') handedOver = false; if (m === 'stop') { clearTimeout(timer); run(); db.close(); process.exit(0); } });
`;

export async function startSqliteCheckpointer(strapi: Core.Strapi): Promise<() => Promise<void>> {
  if (strapi.db.dialect.client !== 'sqlite') return async () => {};
  const intervalMs = Number(process.env.DATABASE_SQLITE_CHECKPOINT_MS ?? 1000);
  if (!(intervalMs > 0)) return async () => {};
  const filename = (strapi.config.get('database.connection.connection') as { filename: string }).filename;
  // the bound is the main connection's journal_size_limit (config/database.ts: DATABASE_SQLITE_WAL_MAX_MB)
  const [limit] = await strapi.db.connection.raw('PRAGMA journal_size_limit');
  const maxWalBytes = Number(limit?.journal_size_limit) > 0 ? Number(limit.journal_size_limit) : 256 * 1024 * 1024;
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { filename: path.resolve(filename), intervalMs, nice: Number(process.env.DATABASE_SQLITE_CHECKPOINT_NICE ?? 19), maxPasses: 10, behindMs: Number(process.env.DATABASE_SQLITE_CHECKPOINT_BEHIND_MS ?? 10), maxWalBytes, driver: require.resolve('better-sqlite3') },
  });
  let finishing = false;
  const finish = async () => {
    if (finishing) return;
    finishing = true;
    try {
      await strapi.db.connection.raw('PRAGMA wal_checkpoint(PASSIVE)');
    } catch (e) {
      strapi.log.warn(`[sqlite-checkpointer] ${(e as Error).message}`);
    } finally {
      finishing = false;
      worker.postMessage('finished');
    }
  };
  worker.on('message', (m) => (m === 'finish' ? void finish() : strapi.log.warn(`[sqlite-checkpointer] ${m}`)));
  worker.on('error', (e) => strapi.log.error(`[sqlite-checkpointer] ${e.message}`));
  worker.unref();
  await strapi.db.connection.raw('PRAGMA wal_autocheckpoint = 0');
  return async () => {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await worker.terminate();
  };
}
