/**
 * The one invariant checker every fault case ends with. It reads the database directly (no node
 * needs to be up) and returns the list of what is wrong, so a failure names every violation:
 *
 *  - messages: each chat's seqs are 1..last_seq with no gap and no repeat; a clientId appears at
 *    most once per chat; every message has its link row to its chat;
 *  - states: waiting chats have no agent and no closing; active chats have a live agent user and
 *    an acceptance time; closed/missed/left_message/answered chats have closedAt (and closed/missed
 *    who closed and why); the relation link tables agree with the plain columns;
 *  - nobody stuck: a waiting or active chat whose visitor no node has seen for longer than the
 *    grace (plus `slackMs`) should have been ended by the sweeper; an active chat whose agent no
 *    node has seen for that long should be back in its queue; a waiting chat is in an active
 *    department (someone can take it);
 *  - and it returns the queues (waiting chats per department in the order the queue serves them)
 *    and each agent's effective presence, for the case to compare with what its clients saw.
 */
import knexFactory, { type Knex } from 'knex';
import type { DbConfig } from './support';

export interface InvariantReport {
  violations: string[];
  /** departmentId → waiting chat ids, head first */
  queues: Record<number, number[]>;
  /** agent user id → effective presence now (chosen presence, and seen within the grace) */
  presence: Record<number, 'online' | 'away' | 'offline'>;
  chats: { id: number; status: string; agentId: number | null; closeReason: string | null; lastSeq: number; priority: number; departmentId: number }[];
  messages: number;
}

const ms = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const s = String(v);
  if (/^\d+$/.test(s)) return Number(s);
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
};

export function openDb(cfg: DbConfig): Knex {
  return cfg.client === 'sqlite'
    ? knexFactory({ client: 'better-sqlite3', connection: { filename: cfg.filename }, useNullAsDefault: true })
    : knexFactory({ client: 'pg', connection: { host: cfg.host, port: cfg.port, user: cfg.user, database: cfg.database }, pool: { min: 0, max: 2 } });
}

export async function checkInvariants(cfg: DbConfig, opts: { graceSeconds: number; slackMs?: number; now?: number }): Promise<InvariantReport> {
  const db = openDb(cfg);
  try {
    return await check(db, opts);
  } finally {
    await db.destroy();
  }
}

async function check(db: Knex, opts: { graceSeconds: number; slackMs?: number; now?: number }): Promise<InvariantReport> {
  const now = opts.now ?? Date.now();
  const limit = opts.graceSeconds * 1000 + (opts.slackMs ?? 3000);
  const v: string[] = [];
  const chats = await db('chats').select('id', 'status', 'agent_id', 'department_id', 'last_seq', 'priority', 'queued_at', 'accepted_at', 'closed_at', 'closed_by', 'close_reason', 'visitor_seen_at');
  const messages = await db('messages').select('id', 'chat_id', 'seq', 'client_id');
  const links = await db('messages_chat_lnk').select('message_id', 'chat_id');
  const agentLinks = await db('chats_agent_lnk').select('chat_id', 'user_id');
  const depLinks = await db('chats_department_lnk').select('chat_id', 'department_id');
  const users = new Set((await db('admin_users').select('id', 'is_active')).filter((u: any) => u.is_active === true || u.is_active === 1).map((u: any) => Number(u.id)));
  const departments = new Map((await db('departments').select('id', 'active')).map((d: any) => [Number(d.id), d.active === true || d.active === 1]));
  const presences = await db('live_chat_agent_presences').select('user_id', 'presence', 'last_seen_at');

  const byChat = new Map<number, { seq: number; clientId: string | null; id: number }[]>();
  for (const m of messages) {
    const list = byChat.get(Number(m.chat_id)) ?? [];
    list.push({ seq: Number(m.seq), clientId: m.client_id ?? null, id: Number(m.id) });
    byChat.set(Number(m.chat_id), list);
  }
  const linkOf = new Map(links.map((l: any) => [Number(l.message_id), Number(l.chat_id)]));
  const agentLinkOf = new Map<number, number[]>();
  for (const l of agentLinks) agentLinkOf.set(Number(l.chat_id), [...(agentLinkOf.get(Number(l.chat_id)) ?? []), Number(l.user_id)]);
  const depLinkOf = new Map<number, number[]>();
  for (const l of depLinks) depLinkOf.set(Number(l.chat_id), [...(depLinkOf.get(Number(l.chat_id)) ?? []), Number(l.department_id)]);
  const seen = new Map(presences.map((p: any) => [Number(p.user_id), { presence: p.presence as 'online' | 'away' | 'offline', at: ms(p.last_seen_at) }]));

  const presence: InvariantReport['presence'] = {};
  for (const [id, p] of seen) presence[id] = p.at !== null && p.at >= now - opts.graceSeconds * 1000 ? p.presence : 'offline';

  for (const c of chats) {
    const id = Number(c.id);
    const tag = `chat ${id} (${c.status})`;
    // --- messages: gap-free, no repeat, clientId unique, linked ------------------------------
    const list = (byChat.get(id) ?? []).sort((a, b) => a.seq - b.seq);
    const seqs = list.map((m) => m.seq);
    const lastSeq = Number(c.last_seq ?? 0);
    if (seqs.length !== lastSeq || seqs.some((s, i) => s !== i + 1)) v.push(`${tag}: seqs ${JSON.stringify(seqs)} are not 1..${lastSeq}`);
    const ids = list.map((m) => m.clientId).filter((x): x is string => x !== null);
    const dupes = ids.filter((x, i) => ids.indexOf(x) !== i);
    if (dupes.length) v.push(`${tag}: clientId stored twice: ${[...new Set(dupes)].join(', ')}`);
    for (const m of list) if (linkOf.get(m.id) !== id) v.push(`${tag}: message ${m.id} (seq ${m.seq}) not linked to its chat`);
    // --- the state's fields -----------------------------------------------------------------
    const agentId = c.agent_id === null || c.agent_id === undefined ? null : Number(c.agent_id);
    const closed = ms(c.closed_at);
    if (c.status === 'waiting') {
      if (agentId !== null) v.push(`${tag}: has agent ${agentId}`);
      if (closed !== null) v.push(`${tag}: has closedAt`);
      if (!departments.get(Number(c.department_id))) v.push(`${tag}: waits in inactive department ${c.department_id}`);
    } else if (c.status === 'active') {
      if (agentId === null || !users.has(agentId)) v.push(`${tag}: agent ${agentId} is not an active user`);
      if (ms(c.accepted_at) === null) v.push(`${tag}: no acceptedAt`);
      if (closed !== null) v.push(`${tag}: has closedAt`);
    } else {
      if (closed === null) v.push(`${tag}: no closedAt`);
      if ((c.status === 'closed' || c.status === 'missed') && (!c.closed_by || !c.close_reason)) v.push(`${tag}: closedBy/closeReason missing`);
      if (c.status === 'missed' && ms(c.accepted_at) !== null && agentId !== null) v.push(`${tag}: missed but with an agent`);
    }
    const aLinks = agentLinkOf.get(id) ?? [];
    if (agentId === null ? aLinks.length !== 0 : aLinks.length !== 1 || aLinks[0] !== agentId) {
      // a closed chat keeps its last agent in both; only a disagreement is wrong
      v.push(`${tag}: agent link ${JSON.stringify(aLinks)} ≠ agent_id ${agentId}`);
    }
    const dLinks = depLinkOf.get(id) ?? [];
    if (dLinks.length !== 1 || dLinks[0] !== Number(c.department_id)) v.push(`${tag}: department link ${JSON.stringify(dLinks)} ≠ department_id ${c.department_id}`);
    // --- nobody stuck --------------------------------------------------------------------------
    if (c.status === 'waiting' || c.status === 'active') {
      const vs = ms(c.visitor_seen_at);
      if (vs === null || vs < now - limit) v.push(`${tag}: visitor unseen for ${vs === null ? '∞' : now - vs} ms, past the grace, but the chat is still open`);
    }
    if (c.status === 'active' && agentId !== null) {
      const p = seen.get(agentId);
      if (!p || p.at === null || p.at < now - limit) v.push(`${tag}: agent ${agentId} unseen past the grace but still holds the chat`);
    }
  }

  // the queues, in the order they are served: priority (requeued first), then arrival, then id
  const queues: Record<number, number[]> = {};
  const waiting = chats
    .filter((c: any) => c.status === 'waiting')
    .sort((a: any, b: any) => Number(b.priority) - Number(a.priority) || ms(a.queued_at)! - ms(b.queued_at)! || Number(a.id) - Number(b.id));
  for (const c of waiting) (queues[Number(c.department_id)] ??= []).push(Number(c.id));

  return {
    violations: v,
    queues,
    presence,
    messages: messages.length,
    chats: chats.map((c: any) => ({
      id: Number(c.id),
      status: c.status,
      agentId: c.agent_id === null || c.agent_id === undefined ? null : Number(c.agent_id),
      closeReason: c.close_reason ?? null,
      lastSeq: Number(c.last_seq ?? 0),
      priority: Number(c.priority ?? 0),
      departmentId: Number(c.department_id),
    })),
  };
}
