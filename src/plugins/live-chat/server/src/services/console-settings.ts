import type { Core } from '@strapi/strapi';
import type { ConsoleSettings, DepartmentSettings, DepartmentUpdate } from '../../../shared/contract';
import { CEILING_RULES } from '../../../../../upload/rules';
import * as domain from '../domain';
import { getService, PLUGIN_ID } from '../utils';

const DEPARTMENT_UID = 'api::department.department';

const toDepartment = (d: any, defaultDays: number): DepartmentSettings => ({
  id: d.id,
  name: d.name,
  active: !!d.active,
  timezone: domain.departmentTimeZone(d.timezone),
  businessHours: d.businessHours ?? null,
  notificationEmail: d.notificationEmail ?? null,
  agentIds: (d.agents ?? []).map((a: { id: number }) => a.id),
  retentionDays: d.retentionDays ?? null,
  retentionDefaultDays: defaultDays,
});

/** The settings page: what the real-time core stores, in one read and narrow writes. */
const createConsoleSettingsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const department = (d: any) => toDepartment(d, getService(strapi, 'retention').defaultDays(d));
  const service = {
    async read(): Promise<ConsoleSettings.Response> {
      const [settings, upload, deps, users] = await Promise.all([
        getService(strapi, 'settings').get(),
        getService(strapi, 'files').rules(),
        strapi.db.query(DEPARTMENT_UID).findMany({ populate: { agents: { select: ['id'] } }, orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }] }),
        strapi.db.query('admin::user').findMany({ where: { isActive: true }, select: ['id', 'firstname', 'lastname', 'username', 'email'], orderBy: { id: 'asc' } }),
      ]);
      return {
        settings: { ...settings, upload: { maxBytes: upload.maxBytes, extensions: [...upload.extensions] } },
        uploadCeiling: { maxBytes: CEILING_RULES.maxBytes, extensions: [...CEILING_RULES.extensions] },
        origins: ((strapi.plugin(PLUGIN_ID).config('corsOrigins') as string[]) ?? ['*']).map(String),
        departments: deps.map(department),
        agents: users.map((u: any) => ({
          id: u.id,
          name: [u.firstname, u.lastname].filter(Boolean).join(' ') || u.username || u.email,
          email: u.email,
        })),
      };
    },

    /** The patch is validated by the caller (domain.parseSettingsPatch + uploadNarrowingError). */
    async write(patch: ConsoleSettings.Request) {
      const { upload, ...rest } = patch;
      if (Object.keys(rest).length) await getService(strapi, 'settings').set(rest);
      if (upload) {
        const current = await getService(strapi, 'files').rules();
        await getService(strapi, 'files').setRules({ maxBytes: upload.maxBytes ?? current.maxBytes, extensions: upload.extensions ?? [...current.extensions] });
      }
      return service.read();
    },

    async updateDepartment(id: number, patch: DepartmentUpdate.Request, by?: { id: number }): Promise<DepartmentSettings | null> {
      const existing = await strapi.db.query(DEPARTMENT_UID).findOne({ where: { id } });
      if (!existing) return null;
      const data: Record<string, unknown> = {};
      if (patch.timezone !== undefined) data.timezone = patch.timezone;
      if (patch.businessHours !== undefined) data.businessHours = patch.businessHours;
      if (patch.notificationEmail !== undefined) data.notificationEmail = patch.notificationEmail || null;
      if (patch.agentIds !== undefined) data.agents = [...new Set(patch.agentIds)];
      if (patch.retentionDays !== undefined) data.retentionDays = patch.retentionDays;
      await strapi.db.query(DEPARTMENT_UID).update({ where: { id }, data });
      if (patch.retentionDays !== undefined && patch.retentionDays !== existing.retentionDays) {
        const days = patch.retentionDays === null ? `the default (${getService(strapi, 'retention').defaultDays(existing)} days; 0 = forever)` : `${patch.retentionDays} days (0 = forever)`;
        strapi.log.info(`[live-chat] retention of ${existing.name} set to ${days} by admin user ${by?.id ?? 'unknown'}`);
      }
      const updated = await strapi.db.query(DEPARTMENT_UID).findOne({ where: { id }, populate: { agents: { select: ['id'] } } });
      return department(updated);
    },

    /** Ids that are not active admin users. */
    async unknownUsers(ids: number[]): Promise<number[]> {
      if (ids.length === 0) return [];
      const found = await strapi.db.query('admin::user').findMany({ where: { id: { $in: ids }, isActive: true }, select: ['id'] });
      const known = new Set(found.map((u: { id: number }) => u.id));
      return ids.filter((i) => !known.has(i));
    },
  };
  return service;
};

export type ConsoleSettingsService = ReturnType<typeof createConsoleSettingsService>;
export default createConsoleSettingsService;
