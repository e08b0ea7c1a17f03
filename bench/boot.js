#!/usr/bin/env node
/**
 * Boot time of one in-process Strapi instance on a fresh database, as each integration test file
 * pays it. Prints min / median / max per database.
 *   node bench/boot.js [--runs=5] [--db=sqlite,postgres]
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Client } = require('pg');

const arg = (name, def) => (process.argv.find((a) => a.startsWith(`--${name}=`)) || '').split('=')[1] || def;
const runs = Number(arg('runs', '5'));
const dbs = arg('db', 'sqlite,postgres').split(',');
const appDir = path.resolve(__dirname, '..');

Object.assign(process.env, {
  NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', STRAPI_TELEMETRY_DISABLED: 'true',
  APP_KEYS: 'a,b', API_TOKEN_SALT: 's', ADMIN_JWT_SECRET: 's', TRANSFER_TOKEN_SALT: 's', JWT_SECRET: 's',
  ENCRYPTION_KEY: 's', LIVE_CHAT_SECRET: 's',
});

const pg = async (sql) => {
  const c = new Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
  await c.connect();
  await c.query(sql);
  await c.end();
};

(async () => {
  const { compileStrapi, createStrapi } = require('@strapi/strapi');
  let t = Date.now();
  const { distDir } = await compileStrapi({ appDir });
  console.log(`compile (tsc → dist/): ${Date.now() - t} ms`);
  for (const db of dbs) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-bench-boot-'));
      const name = `lc_bench_${process.pid}_${i}`;
      if (db === 'postgres') {
        await pg(`CREATE DATABASE "${name}"`);
        Object.assign(process.env, { DATABASE_CLIENT: 'postgres', DATABASE_HOST: '127.0.0.1', DATABASE_PORT: '5432', DATABASE_USERNAME: 'postgres', DATABASE_PASSWORD: '', DATABASE_NAME: name, DATABASE_URL: '' });
      } else {
        Object.assign(process.env, { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.join(tmp, 'data.db') });
      }
      process.env.PUBLIC_DIR = tmp;
      fs.mkdirSync(path.join(tmp, 'uploads'));
      t = Date.now();
      const strapi = await createStrapi({ appDir, distDir }).load();
      strapi.server.mount();
      times.push(Date.now() - t);
      await strapi.destroy();
      if (db === 'postgres') await pg(`DROP DATABASE "${name}" WITH (FORCE)`);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    times.sort((a, b) => a - b);
    console.log(`${db}: boot on a fresh database, ${runs} runs: min ${times[0]} ms, median ${times[Math.floor(runs / 2)]} ms, max ${times[runs - 1]} ms`);
  }
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
