'use strict';
/**
 * Diagnostics for the benchmarks (BENCH_TRACE_DIR=dir): records, in epoch milliseconds, the
 * event-loop gaps over 4 ms (a 1 ms interval timer that fired late) and the garbage collections
 * of the process it runs in, so that the latency outliers of a run can be matched with what
 * stalled which process (bench/trace-report.js).
 */
const { performance, PerformanceObserver, constants } = require('perf_hooks');

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function startTrace() {
  const gaps = [];
  const gcs = [];
  const epoch = (t) => performance.timeOrigin + t;
  let last = performance.now();
  // this thread's time on the CPU and waiting for it (ns), from /proc (Linux; BENCH_TRACE_SCHED=1):
  // a gap with little of either was spent blocked (a lock, a sleep, a page fault on I/O)
  const fs = require('fs');
  const sched = process.env.BENCH_TRACE_SCHED === '1' && fs.existsSync('/proc/thread-self/schedstat');
  const readSched = () => fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
  let lastSched = sched ? readSched() : null;
  const timer = setInterval(() => {
    const now = performance.now();
    const cur = sched ? readSched() : null;
    if (now - last > 4) gaps.push(sched ? [epoch(last), now - last, '', (cur[0] - lastSched[0]) / 1e6, (cur[1] - lastSched[1]) / 1e6] : [epoch(last), now - last]);
    last = now;
    lastSched = cur;
  }, 1);
  // every 50 ms, each thread's CPU time (ms) in the last 50 ms, when BENCH_TRACE_SCHED=1
  const threads = [];
  let lastThreads = null;
  const readThreads = () => {
    const m = new Map();
    for (const tid of fs.readdirSync('/proc/self/task')) {
      try {
        const run = Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        m.set(tid, run);
      } catch {
        // thread gone
      }
    }
    return m;
  };
  const names = {};
  const threadTimer = sched
    ? setInterval(() => {
        const cur = readThreads();
        if (lastThreads) {
          const row = {};
          for (const [tid, run] of cur) {
            const d = (run - (lastThreads.get(tid) ?? run)) / 1e6;
            if (d >= 1) {
              if (!names[tid]) names[tid] = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
              row[tid] = Math.round(d * 10) / 10;
            }
          }
          let wal = null;
          try {
            if (process.env.DATABASE_FILENAME) wal = Math.round(fs.statSync(`${process.env.DATABASE_FILENAME}-wal`).size / 1048576);
          } catch {
            // no log
          }
          threads.push([epoch(performance.now()), row, wal]);
        }
        lastThreads = cur;
      }, 50)
    : null;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([epoch(e.startTime), e.duration, KINDS[e.detail ? e.detail.kind : e.kind] || '?']);
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      clearInterval(timer);
      if (threadTimer) clearInterval(threadTimer);
      obs.disconnect();
      // CLOCK_MONOTONIC (process.hrtime, and V8's CPU profile timestamps) to epoch ms
      const clock = [Number(process.hrtime.bigint()) / 1e6, performance.timeOrigin + performance.now()];
      return { gaps, gcs, clock, threads, names, mainTid: String(process.pid) };
    },
  };
}

module.exports = { startTrace };
