#!/usr/bin/env node
'use strict';
/**
 * Reads a BENCH_TRACE_DIR written by bench/realtime.js (the measured run's load-r*.json and the
 * server's server-*.json, newest of each) and prints what the slowest 1 % of messages overlapped:
 * a server event-loop gap, a server GC, a load-process gap or GC, or nothing recorded.
 *   node bench/trace-report.js DIR
 */
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const newest = (re) =>
  fs
    .readdirSync(dir)
    .filter((f) => re.test(f))
    .map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs])
    .sort((a, b) => b[1] - a[1])[0][0];
const load = JSON.parse(fs.readFileSync(path.join(dir, newest(/^load-r/)), 'utf8'));
const server = JSON.parse(fs.readFileSync(path.join(dir, newest(/^server-/)), 'utf8'));
const msgs = load.msgs.filter((m) => m[1] !== null && !Number.isNaN(m[1]));
const sorted = msgs.map((m) => m[1]).sort((a, b) => a - b);
const p99 = sorted[Math.floor(sorted.length * 0.99)];
const slow = msgs.filter((m) => m[1] >= p99);
const overlaps = (list, a, b) => list.filter(([s, d]) => s < b && s + d > a);
const tally = {};
for (const [due, lat] of slow) {
  const a = due;
  const b = due + lat;
  const k = [
    overlaps(server.gaps, a, b).length ? 'server gap' : null,
    overlaps(server.gcs, a, b).length ? 'server gc' : null,
    overlaps(load.gaps, a, b).length ? 'load gap' : null,
    overlaps(load.gcs, a, b).length ? 'load gc' : null,
  ]
    .filter(Boolean)
    .join(' + ') || 'nothing recorded';
  tally[k] = (tally[k] || 0) + 1;
}
console.log(`messages ${msgs.length}, p99 ${p99.toFixed(2)} ms, slowest 1 %: ${slow.length}`);
for (const [k, v] of Object.entries(tally).sort((a, b) => b[1] - a[1])) console.log(`  ${v}\t${k}`);
const sum = (l) => l.reduce((s, x) => s + x[1], 0);
const big = (l, t) => l.filter((x) => x[1] > t).length;
console.log(`server: gaps >4 ms ${server.gaps.length} (>10 ms ${big(server.gaps, 10)}, >20 ms ${big(server.gaps, 20)}, max ${Math.max(0, ...server.gaps.map((g) => g[1])).toFixed(1)}), gc ${server.gcs.length} (${sum(server.gcs).toFixed(0)} ms; >5 ms ${big(server.gcs, 5)}; max ${Math.max(0, ...server.gcs.map((g) => g[1])).toFixed(1)})`);
if (server.gaps.length && server.gaps[0].length > 3) {
  const g = server.gaps.filter((x) => x[1] > 8);
  const tot = (i) => g.reduce((s, x) => s + x[i], 0);
  console.log(`server gaps > 8 ms: ${g.length}, ${tot(1).toFixed(0)} ms in all: on the CPU ${tot(3).toFixed(0)} ms, runnable but waiting for the CPU ${tot(4).toFixed(0)} ms, blocked ${(tot(1) - tot(3) - tot(4)).toFixed(0)} ms`);
}
console.log(`load:   gaps >4 ms ${load.gaps.length} (>10 ms ${big(load.gaps, 10)}, >20 ms ${big(load.gaps, 20)}, max ${Math.max(0, ...load.gaps.map((g) => g[1])).toFixed(1)}), gc ${load.gcs.length} (${sum(load.gcs).toFixed(0)} ms; >5 ms ${big(load.gcs, 5)}; max ${Math.max(0, ...load.gcs.map((g) => g[1])).toFixed(1)})`);
// the windows: slow messages grouped when due within 50 ms of each other
const windows = [];
for (const m of slow.sort((a, b) => a[0] - b[0])) {
  const w = windows[windows.length - 1];
  if (w && m[0] - w.end < 50) {
    w.end = m[0];
    w.n++;
    w.max = Math.max(w.max, m[1]);
  } else windows.push({ start: m[0], end: m[0], n: 1, max: m[1] });
}
const t0 = msgs[0][0];
console.log(`windows of slow messages: ${windows.length}`);
for (const w of windows.sort((a, b) => b.n - a.n).slice(0, 15)) {
  const a = w.start - 60;
  const b = w.end + w.max;
  const fmt = (l) => l.map(([s, d, k, run, wait]) => `${(s - t0).toFixed(0)}+${d.toFixed(1)}${k ? k[0] : ''}${run !== undefined ? `(cpu ${run.toFixed(1)} wait ${wait.toFixed(1)})` : ''}`).join(' ');
  console.log(`  t=${(w.start - t0).toFixed(0)} ms: ${w.n} msgs, max ${w.max.toFixed(1)} | srv gaps ${fmt(overlaps(server.gaps, a, b))} | srv gc ${fmt(overlaps(server.gcs, a, b))} | load gaps ${fmt(overlaps(load.gaps, a, b))} | load gc ${fmt(overlaps(load.gcs, a, b))}`);
}

// the server's other threads (CPU ms per 50 ms) around the worst windows
if (server.threads && server.threads.length) {
  for (const w of windows.sort((a, b) => b.n - a.n).slice(0, 3)) {
    const a = w.start - 150;
    const b = w.end + w.max + 50;
    console.log(`\nserver threads around t=${(w.start - t0).toFixed(0)} ms (CPU ms per 50 ms; main = ${server.mainTid}):`);
    for (const [e, row, wal] of server.threads.filter(([e]) => e >= a && e <= b)) {
      console.log(`  t=${(e - t0).toFixed(0)} wal ${wal} MB  ${Object.entries(row).map(([tid, d]) => `${tid === server.mainTid ? 'MAIN' : `${server.names[tid]}#${tid}`} ${d}`).join('  ')}`);
    }
  }
}

// per second: the main thread's CPU, the other threads' (ms), the log's size, the slow messages
if (server.threads && server.threads.length) {
  const per = {};
  for (const [e, row, wal] of server.threads) {
    const k = Math.floor((e - t0) / 1000);
    if (k < 0) continue;
    per[k] = per[k] || { main: 0, other: 0, wal: 0, slow: 0 };
    for (const [tid, d] of Object.entries(row)) {
      if (tid === server.mainTid) per[k].main += d;
      else if (!/Prof/.test(server.names[tid])) per[k].other += d;
    }
    per[k].wal = Math.max(per[k].wal, wal || 0);
  }
  for (const m of slow) {
    const k = Math.floor((m[0] - t0) / 1000);
    if (per[k]) per[k].slow++;
  }
  console.log('\nper second: main thread CPU ms, other threads CPU ms, log MB (max), slow messages');
  console.log(Object.entries(per).map(([k, v]) => `  ${k}s main ${v.main.toFixed(0)} other ${v.other.toFixed(0)} wal ${v.wal} slow ${v.slow}`).join('\n'));
}

// with a CPU profile of the server (bench --profile): what the server ran in the worst windows
const profFile = process.argv[3];
if (profFile && server.clock) {
  const prof = JSON.parse(fs.readFileSync(profFile, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const toEpoch = (us) => us / 1000 - server.clock[0] + server.clock[1];
  const times = [];
  let t = prof.startTime;
  for (const d of prof.timeDeltas) times.push((t += d));
  const label = (n) => `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url || '')}:${n.callFrame.lineNumber + 1}`;
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
  for (const w of windows.sort((a, b) => b.n - a.n).slice(0, 4)) {
    const a = w.start - 60;
    const b = w.end + w.max;
    const self = new Map();
    const incl = new Map();
    let n = 0;
    for (let i = 0; i < prof.samples.length; i++) {
      const e = toEpoch(times[i]);
      if (e < a || e > b) continue;
      n++;
      const node = byId.get(prof.samples[i]);
      self.set(label(node), (self.get(label(node)) || 0) + 1);
      const seen = new Set();
      for (let id = node.id; id !== undefined; id = parent.get(id)) {
        const l = label(byId.get(id));
        if (seen.has(l)) continue;
        seen.add(l);
        incl.set(l, (incl.get(l) || 0) + 1);
      }
    }
    console.log(`\nwindow t=${(w.start - t0).toFixed(0)} ms (${(b - a).toFixed(0)} ms, ${n} samples) self:`);
    for (const [k, v] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`  ${((v / n) * 100).toFixed(1)}%\t${k}`);
    console.log('  inclusive (ours and the stack roots):');
    for (const [k, v] of [...incl].filter(([k]) => /dist\/|sweeper|notifier|checkpoint|processTicks|listOnTimeout|processImmediate/.test(k)).sort((x, y) => y[1] - x[1]).slice(0, 14)) console.log(`  ${((v / n) * 100).toFixed(1)}%\t${k}`);
  }
}
