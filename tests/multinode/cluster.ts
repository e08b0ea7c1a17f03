/**
 * A small cluster for tests: Strapi nodes as child processes (tests/helpers/node-process.js) and a
 * TCP load balancer in front of them.
 */
import net from 'net';
import path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import type { Core } from '@strapi/strapi';
import { APP_DIR, DIST_DIR } from '../helpers/strapi';

const NODE_SCRIPT = path.resolve(__dirname, '..', 'helpers', 'node-process.js');

export interface NodeHandle {
  name: string;
  port: number;
  base: string;
  proc: ChildProcess;
  bootMs: number;
  /** resolves with the exit code (or the signal's name) once the process is gone */
  exited: Promise<number | string>;
  /** the end of what the node wrote (stdout and stderr: Strapi logs on stdout), for failure messages */
  output(): string;
  alive(): boolean;
}

/** The parent's environment without jest's variables (JEST_WORKER_ID would turn off the plugin's
 * TypeScript loader in the child). */
export function childBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('JEST_')) env[k] = v;
  return env;
}

/** Spawns one node on a free port and waits for its `READY <port>` line. */
export function startNode(name: string, env: Record<string, string>, timeoutMs = 90000): Promise<NodeHandle> {
  const started = Date.now();
  const proc = spawn(process.execPath, [NODE_SCRIPT], {
    env: { ...env, PORT: '0' },
    // an IPC channel: the node shuts itself down if this process dies without killing it
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let err = '';
  let out = '';
  const keep = (d: Buffer) => {
    err = (err + d).slice(-20000);
  };
  proc.stderr!.on('data', keep);
  proc.stdout!.on('data', keep);
  let gone = false;
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => {
      gone = true;
      resolve(code ?? signal ?? 'unknown');
    })
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`node ${name} not ready after ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${name} exited (${code}) before it was ready\n${err}`));
    });
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /^READY (\d+)$/m.exec(out);
      if (!m) return;
      out = '';
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        name,
        port,
        base: `http://127.0.0.1:${port}`,
        proc,
        bootMs: Date.now() - started,
        exited,
        output: () => err,
        alive: () => !gone,
      });
    });
  });
}

/** SIGTERM, then SIGKILL if the node is still there after `graceMs`. */
export async function stopNode(node: NodeHandle | undefined, graceMs = 15000) {
  if (!node || !node.alive()) return;
  node.proc.kill('SIGTERM');
  const timer = setTimeout(() => node.proc.kill('SIGKILL'), graceMs);
  await node.exited;
  clearTimeout(timer);
}

export interface Balancer {
  port: number;
  base: string;
  /** while paused, new connections are refused (the client keeps retrying) */
  paused: boolean;
  /** the backend port each accepted connection was sent to, in order */
  routes: number[];
  close(): Promise<void>;
}

/**
 * A TCP load balancer with failover: each new connection goes to the first backend that accepts
 * it (a dead node refuses, so traffic moves to the next one). With WebSocket-only transport a
 * Socket.IO session is one TCP connection, so no stickiness is needed.
 */
export async function startBalancer(backends: () => number[]): Promise<Balancer> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (lb.paused) {
      client.destroy();
      return;
    }
    let upstream: net.Socket | null = null;
    client.on('close', () => upstream?.destroy());
    const attempt = (ports: number[]) => {
      if (client.destroyed) return;
      if (ports.length === 0) {
        client.destroy();
        return;
      }
      const [port, ...rest] = ports;
      const up = net.connect(port, '127.0.0.1');
      upstream = up;
      let connected = false;
      up.once('connect', () => {
        connected = true;
        lb.routes.push(port);
        client.pipe(up);
        up.pipe(client);
      });
      up.on('error', () => {
        if (!connected) attempt(rest);
        else client.destroy();
      });
      up.on('close', () => {
        if (connected) client.destroy();
      });
    };
    attempt(backends());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const lb: Balancer = {
    port,
    base: `http://127.0.0.1:${port}`,
    paused: false,
    routes: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  return lb;
}

/** An in-process Strapi on the nodes' database (no port, no Redis) to create test data, then destroyed. */
export async function withInProcessStrapi<T>(env: Record<string, string>, fn: (strapi: Core.Strapi) => Promise<T>): Promise<T> {
  Object.assign(process.env, env, { REDIS_URL: '' });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { createStrapi } = require('@strapi/strapi');
  const strapi: Core.Strapi = await createStrapi({ appDir: APP_DIR, distDir: DIST_DIR }).load();
  try {
    return await fn(strapi);
  } finally {
    await strapi.destroy();
  }
}
