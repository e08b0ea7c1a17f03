import type { Core } from '@strapi/strapi';
import type { CannedResponse } from '../../../shared/contract';
import { getService } from '../utils';
import type { AgentUser } from './agents';

export const CANNED_UID = 'plugin::live-chat.canned-response';

/** Canned responses are managed by admins in the Content Manager; agents only read them. */
const createCannedService = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The active ones for the agent's departments, and the ones for every department. */
  async forAgent(agent: AgentUser): Promise<CannedResponse[]> {
    const deps = (await getService(strapi, 'agents').departmentsOf(agent)).map((d) => d.id);
    const rows = await strapi.db.query(CANNED_UID).findMany({
      where: { active: true, $or: [{ department: { id: { $null: true } } }, ...(deps.length ? [{ department: { id: { $in: deps } } }] : [])] },
      populate: { department: { select: ['id'] } },
      orderBy: [{ shortcut: 'asc' }, { id: 'asc' }],
      limit: 500,
    });
    return rows.map((r: any) => ({ id: r.id, title: r.title, shortcut: r.shortcut, body: r.body, departmentId: r.department?.id ?? null }));
  },
});

export type CannedService = ReturnType<typeof createCannedService>;
export default createCannedService;
