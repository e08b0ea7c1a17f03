import type { Core } from '@strapi/strapi';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { getService, PLUGIN_ID } from '../utils';
import { setupVisitorNamespace } from './visitor';
import { setupAgentNamespace } from './agent';
import { RESYNC_MARGIN_MS, resyncLocalSockets } from './resync';

/** Socket.IO drops a connection whose packet is larger than this; anything smaller that breaks
 * a limit (a 100 KB message) gets an error acknowledgement instead. */
const MAX_PACKET_BYTES = 1024 * 1024;

export interface Realtime {
  io: Server;
  close(): Promise<void>;
}

/** No Origin (a server-side client), `*`, a listed origin, or this server's own pages. */
export function originAllowed(origins: string[], origin: string | undefined, host: string | undefined): boolean {
  if (!origin || origins.includes('*') || origins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Socket.IO on Strapi's own HTTP server (Koa keeps serving everything else), namespaces /visitor
 * and /agent. With REDIS_URL, the official Redis adapter carries rooms and broadcasts between
 * nodes; all state is in the database, so any node can serve any socket.
 */
export async function attachRealtime(strapi: Core.Strapi): Promise<Realtime> {
  const config = (k: string) => strapi.plugin(PLUGIN_ID).config(k);
  const origins = (config('corsOrigins') as string[]) ?? ['*'];
  const io = new Server(strapi.server.httpServer, {
    path: '/socket.io',
    maxHttpBufferSize: MAX_PACKET_BYTES,
    cors: { origin: origins.includes('*') ? true : origins, credentials: false },
    // CORS headers do not apply to the WebSocket upgrade, which the widget uses: the browser's
    // Origin is checked here for every transport (pages of this server are always allowed).
    allowRequest: (req, cb) => cb(null, originAllowed(origins, req.headers.origin, req.headers.host)),
    pingInterval: 10000,
    pingTimeout: 8000,
  });

  const redisClients: Redis[] = [];
  const redisUrl = config('redisUrl') as string;
  if (redisUrl) {
    // auto-pipelining: the commands issued in one tick (a broadcast's publishes, the rate
    // limiters' calls) leave in one write instead of a syscall each (bench/realtime.js --nodes=2)
    const pub = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: null, enableAutoPipelining: true });
    const sub = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
    const limiter = new Redis(redisUrl, { enableOfflineQueue: false, enableAutoPipelining: true });
    redisClients.push(pub, sub, limiter);
    for (const c of redisClients) c.on('error', (e) => strapi.log.warn(`[live-chat] redis: ${e.message}`));
    io.adapter(createAdapter(pub, sub, { key: `${config('redisKeyPrefix')}io` }));
    // a lost subscription loses the other nodes' broadcasts of that time: when it is back, this
    // node's sockets get their state again (resync.ts; faults suite: Redis restart)
    let lostAt: number | null = null;
    let subscribed = false;
    sub.on('close', () => {
      if (subscribed && lostAt === null) lostAt = Date.now();
    });
    sub.on('ready', () => {
      subscribed = true;
      if (lostAt === null) return;
      const since = new Date(lostAt - RESYNC_MARGIN_MS);
      lostAt = null;
      strapi.log.warn('[live-chat] redis: subscription back, re-sending state to this node\'s sockets');
      // once the re-subscription is through: what is written after it arrives live
      const timer = setTimeout(() => {
        resyncLocalSockets(strapi, io, since).catch((e) => strapi.log.error(`[live-chat] resync after redis: ${(e as Error).message}`));
      }, 1000);
      timer.unref();
    });
    getService(strapi, 'rate-limit').useRedis(limiter);
  }

  setupVisitorNamespace(strapi, io.of('/visitor'));
  setupAgentNamespace(strapi, io.of('/agent'));
  getService(strapi, 'notifier').setServer(io);

  return {
    io,
    async close() {
      getService(strapi, 'notifier').setServer(null);
      // io.close() would also close Strapi's HTTP server: close only the engine. Clients see a
      // transport close and reconnect by themselves (to this node when it is back, or another).
      io.engine.close();
      for (const c of redisClients) c.disconnect();
    },
  };
}
