import type { Core } from '@strapi/strapi';
import type { Presence } from '../../../shared/contract';
import type { AgentSnapshot } from '../domain';
import { fromDbTime, getService, knexOf, toDbTime } from '../utils';

const PRESENCE_UID = 'plugin::live-chat.agent-presence';
const TABLE = 'live_chat_agent_presences';
const SUPER_ADMIN = 'strapi-super-admin';
export const AGENT_ROLE_CODE = 'live-chat-agent';

export interface AgentUser {
  id: number;
  name: string;
  isSuperAdmin: boolean;
}

/**
 * Agents are Strapi admin users. Which departments an agent serves is the department's `agents`
 * relation (edited in the admin); a Super Admin serves every active department, so a fresh
 * install works before anyone is assigned. Presence is stored per agent: the presence it chose,
 * and when a node last saw one of its sockets. An agent not seen for longer than the grace
 * period is offline whatever it chose: no chat is offered to or counted for a ghost.
 */
const createAgentsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => knexOf(strapi);

  let onlineCache: { at: number; value: Set<number> } | null = null;
  let presenceGeneration = 0;

  const grace = async () => (await getService(strapi, 'settings').get()).gracePeriodSeconds;

  const service = {
    async loadUser(userId: number): Promise<AgentUser | null> {
      const user = await strapi.db.query('admin::user').findOne({ where: { id: userId }, populate: ['roles'] });
      if (!user || !user.isActive || user.blocked) return null;
      const name = [user.firstname, user.lastname].filter(Boolean).join(' ') || user.username || user.email;
      return {
        id: user.id,
        name,
        isSuperAdmin: (user.roles ?? []).some((r: { code: string }) => r.code === SUPER_ADMIN),
      };
    },

    async departmentsOf(agent: AgentUser): Promise<{ id: number; name: string }[]> {
      const where: Record<string, unknown> = { active: true };
      if (!agent.isSuperAdmin) where.agents = { id: agent.id };
      const rows = await strapi.db.query('api::department.department').findMany({
        where,
        select: ['id', 'name'],
        orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }],
      });
      return rows.map((r: { id: number; name: string }) => ({ id: r.id, name: r.name }));
    },

    async chosenPresence(userId: number): Promise<Presence> {
      const row = await knex()(TABLE).where({ user_id: userId }).first('presence');
      return (row?.presence as Presence) ?? 'offline';
    },

    async setPresence(agent: AgentUser, presence: Presence, now = new Date()) {
      onlineCache = null;
      presenceGeneration++;
      const existing = await knex()(TABLE).where({ user_id: agent.id }).first('id');
      if (existing) {
        await knex()(TABLE)
          .where({ id: existing.id })
          .update({ presence, name: agent.name, last_seen_at: toDbTime(strapi, now), updated_at: toDbTime(strapi, now) });
      } else {
        await strapi.db.query(PRESENCE_UID).create({ data: { userId: agent.id, name: agent.name, presence, lastSeenAt: now } });
      }
    },

    /** Heartbeat: a node still holds sockets of these agents. */
    async touch(userIds: number[], now = new Date()) {
      if (userIds.length === 0) return;
      await knex()(TABLE).whereIn('user_id', userIds).update({ last_seen_at: toDbTime(strapi, now) });
    },

    async snapshot(agent: AgentUser, now = new Date()): Promise<AgentSnapshot> {
      const [row, departments, active] = await Promise.all([
        knex()(TABLE).where({ user_id: agent.id }).first('presence', 'last_seen_at'),
        service.departmentsOf(agent),
        knex()('chats').where({ agent_id: agent.id, status: 'active' }).count({ n: '*' }).first(),
      ]);
      const fresh = row?.last_seen_at && Date.parse(fromDbTime(row.last_seen_at)!) >= now.getTime() - (await grace()) * 1000;
      return {
        presence: fresh ? ((row!.presence as Presence) ?? 'offline') : 'offline',
        departmentIds: departments.map((d) => d.id),
        activeChats: Number(active?.n ?? 0),
      };
    },

    /** Every agent that is online now (chosen presence online and recently seen). */
    async onlineAgents(now = new Date()): Promise<AgentUser[]> {
      const cutoff = new Date(now.getTime() - (await grace()) * 1000);
      const rows = await knex()(TABLE).where({ presence: 'online' }).andWhere('last_seen_at', '>=', toDbTime(strapi, cutoff)).select('user_id');
      const users = await Promise.all(rows.map((r: { user_id: number }) => service.loadUser(Number(r.user_id))));
      return users.filter((u): u is AgentUser => u !== null);
    },

    /**
     * departmentId → whether someone online serves it. `maxAgeMs` accepts an answer computed that
     * recently on this node (a presence change on this node clears it): each visitor connection
     * asks it, and 2,000 visitors reconnecting at once after a restart would otherwise load every
     * online agent and its departments 2,000 times (faults suite: reconnection storm).
     */
    async onlineDepartments(now = new Date(), opts: { maxAgeMs?: number } = {}): Promise<Set<number>> {
      if (opts.maxAgeMs && onlineCache && now.getTime() - onlineCache.at >= 0 && now.getTime() - onlineCache.at < opts.maxAgeMs) return onlineCache.value;
      const generation = presenceGeneration;
      const online = new Set<number>();
      for (const agent of await service.onlineAgents(now)) {
        for (const d of await service.departmentsOf(agent)) online.add(d.id);
      }
      if (generation === presenceGeneration) onlineCache = { at: now.getTime(), value: online };
      return online;
    },

    /** Agents with active chats whom no node has seen for longer than the grace period. */
    async ghostsWithChats(now = new Date()): Promise<number[]> {
      const cutoff = new Date(now.getTime() - (await grace()) * 1000);
      const rows = await knex()('chats as c')
        .leftJoin(`${TABLE} as p`, 'p.user_id', 'c.agent_id')
        .where('c.status', 'active')
        .whereNotNull('c.agent_id')
        .andWhere((q) => q.whereNull('p.last_seen_at').orWhere('p.last_seen_at', '<', toDbTime(strapi, cutoff)))
        .distinct('c.agent_id as agent_id');
      return rows.map((r: { agent_id: number }) => Number(r.agent_id));
    },

    /**
     * An "Agent" admin role with the console and history actions, created once. Called from the
     * application's bootstrap, after the admin has created its default roles (it creates them
     * only when no role exists at all).
     */
    async ensureAgentRole() {
      const roles = strapi.db.query('admin::role');
      if (await roles.findOne({ where: { $or: [{ code: AGENT_ROLE_CODE }, { name: 'Agent' }] } })) return;
      const role = await roles.create({
        data: { name: 'Agent', code: AGENT_ROLE_CODE, description: 'Live-chat agents: the console and the chat history' },
      });
      for (const uid of ['console', 'history']) {
        await strapi.db.query('admin::permission').create({
          data: { action: `plugin::live-chat.${uid}`, actionParameters: {}, subject: null, properties: {}, conditions: [], role: role.id },
        });
      }
    },

    /** Serialises an agent's accepts (PostgreSQL): the cap holds under concurrent accepts. */
    async lockAgent(trx: any, agentId: number) {
      if (strapi.db.dialect.client !== 'postgres') return;
      await trx.raw('SELECT pg_advisory_xact_lock(?, ?)', [7301, agentId]);
    },
  };
  return service;
};

export type AgentsService = ReturnType<typeof createAgentsService>;
export default createAgentsService;
