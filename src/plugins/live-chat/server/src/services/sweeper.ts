import { performance } from 'node:perf_hooks';
import type { Core } from '@strapi/strapi';
import { getService, PLUGIN_ID } from '../utils';

/**
 * The timers of the lifecycle, driven from the database: every node runs this on an interval.
 * Each run (1) heartbeats the sockets this node holds (visitors' chats, agents), then (2) ends
 * chats whose visitor nobody has seen for the grace period and (3) puts back in their queues the
 * active chats of agents nobody has seen for the grace period, (4) offers the visitors waiting
 * longer than the waiting limit, once each, to leave a message and (5) closes active chats silent
 * on both sides for idleSeconds (closed by system, reason idle), (6) extracts the terms of new
 * questions and first messages (off the message hot path) and (7) anonymises chats older than
 * their department's retention, when one is configured. Steps 2 to 7 are conditional
 * updates: any number of nodes may run them at once, and a restart leaves no chat stuck.
 */
/**
 * How much term extraction one sweeper run may do, given the share of the time the event loop was
 * busy since the previous run: batches of 10 texts (a few milliseconds each), 40 of them on a
 * quiet node, a single one on a node kept over half busy by live chats; in either case at most a
 * fifth of the event loop while it runs (a backlog of a thousand new chats took 430 ms of work in
 * one burst before, during which every message waited) and at most half a sweeper interval.
 */
export const termsBudget = (utilization: number, intervalMs = 5000) => ({
  batch: 10,
  maxBatches: utilization > 0.5 ? 1 : 40,
  pace: 0.2,
  budgetMs: intervalMs / 2,
});

const createSweeperService = ({ strapi }: { strapi: Core.Strapi }) => {
  let timer: NodeJS.Timeout | null = null;
  /** stop() was called: a paced step in progress ends at its next batch */
  let stopping = false;
  let running: Promise<void> | null = null;
  /** the heartbeat or the endings failed (database unreachable): ending chats for an unseen
   * visitor or agent then waits until endingsFrom */
  let beatFailed = false;
  let endingsFrom = 0;
  /** event-loop utilisation since the previous run: background work backs off when chats keep the loop busy */
  let lastElu = performance.eventLoopUtilization();

  const sweepInterval = () => Number(strapi.plugin(PLUGIN_ID).config('sweepIntervalMs')) || 5000;

  const service = {
    async heartbeat(now = new Date()) {
      const notifier = getService(strapi, 'notifier');
      const visitorChats = new Set<number>();
      for (const s of notifier.visitors()?.sockets.values() ?? []) if (s.data?.chatId) visitorChats.add(s.data.chatId);
      const agentIds = new Set<number>();
      for (const s of notifier.agents()?.sockets.values() ?? []) if (s.data?.agent?.id) agentIds.add(s.data.agent.id);
      await getService(strapi, 'chats').touchVisitors([...visitorChats], now);
      await getService(strapi, 'agents').touch([...agentIds], now);
    },

    /**
     * `endings: false` heartbeats and runs the other steps but ends nobody (steps 2 and 3). By
     * default they are skipped for one grace period after a heartbeat of this node failed (the
     * database was unreachable): nobody's heartbeat could be written meanwhile, so every node
     * must first mark its own sockets again — otherwise the first node back would end the chats
     * of the other nodes' visitors, and requeue their agents' chats, for being "unseen".
     */
    async runOnce(now = new Date(), opts: { endings?: boolean } = {}) {
      const chats = getService(strapi, 'chats');
      let ended = 0;
      let requeued = 0;
      try {
        await service.heartbeat(now);
        if (beatFailed) {
          beatFailed = false;
          const grace = (await getService(strapi, 'settings').get()).gracePeriodSeconds;
          endingsFrom = Date.now() + grace * 1000;
          strapi.log.warn(`[live-chat] sweeper: the database is back; nobody is ended for being unseen for ${grace} s`);
        }
        if (opts.endings ?? Date.now() >= endingsFrom) {
          ended = await chats.visitorsGone(now);
          requeued = await chats.requeueGhostAgentChats(now);
        }
      } catch (err) {
        // a node without sockets writes no heartbeat: its failing steps 2-3 tell it too
        beatFailed = true;
        throw err;
      }
      const offered = await chats.offerLeaveToLongWaits(now);
      const idle = await chats.closeIdle(now);
      // (6) terms of the new questions and first messages, for the recurring demands: small
      // batches with a yield between them (a batch must not hold the event loop or the SQLite
      // connection for long), and a single one when live traffic kept the loop over half busy
      // since the last run (the backlog waits for a quieter moment; live messages never do)
      const elu = performance.eventLoopUtilization(lastElu);
      lastElu = performance.eventLoopUtilization();
      const terms = await getService(strapi, 'terms').indexPending(now, { ...termsBudget(elu.utilization, sweepInterval()), cancelled: () => stopping });
      // (7) retention (off unless configured): anonymise chats past their department's age
      const anonymised = await getService(strapi, 'retention').sweep(now);
      return { ended, requeued, offered, idle, terms, anonymised };
    },

    start() {
      if (timer) return;
      stopping = false;
      const interval = sweepInterval();
      timer = setInterval(() => {
        if (running) return; // never overlap runs on one node
        running = service
          .runOnce()
          .then(() => undefined)
          .catch((err) => {
            strapi.log.error(`[live-chat] sweeper: ${(err as Error).message}`);
          })
          .finally(() => {
            running = null;
          });
      }, interval);
      timer.unref();
    },

    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      timer = null;
      if (running) await running;
    },
  };
  return service;
};

export type SweeperService = ReturnType<typeof createSweeperService>;
export default createSweeperService;
