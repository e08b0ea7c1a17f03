import type { Core } from '@strapi/strapi';

/** The help page's four departments, created on first start only. */
export const DEFAULT_DEPARTMENTS = [
  { name: 'Comercial', description: 'Vendas, orçamentos e planos', sortOrder: 1 },
  { name: 'Financeiro', description: 'Boletos, notas fiscais e pagamentos', sortOrder: 2 },
  { name: 'Suporte', description: 'Dúvidas técnicas e problemas de acesso', sortOrder: 3 },
  { name: 'Websites', description: 'Criação e manutenção de sites', sortOrder: 4 },
] as const;

/**
 * Seeding is remembered in Strapi's store rather than inferred from the table: an admin who
 * renames or deletes a default department must not see it come back at the next restart.
 */
export async function seedDepartments(strapi: Core.Strapi): Promise<boolean> {
  const store = strapi.store({ type: 'core', name: 'live-chat-app' });
  if (await store.get({ key: 'departments-seeded' })) return false;
  await strapi.db.transaction(async () => {
    const existing = await strapi.db.query('api::department.department').count();
    if (existing === 0) {
      for (const dep of DEFAULT_DEPARTMENTS) {
        await strapi.documents('api::department.department').create({
          data: { ...dep, active: true, timezone: 'America/Sao_Paulo' },
        });
      }
    }
    await store.set({ key: 'departments-seeded', value: new Date().toISOString() });
  });
  return true;
}

/**
 * The Public role may read the list of departments (the widget's start form needs it) and
 * nothing else of this application: chats, messages and attachments stay private.
 */
export async function grantPublicDepartmentRead(strapi: Core.Strapi) {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'public' } });
  if (!role) return;
  for (const action of ['api::department.department.find', 'api::department.department.findOne']) {
    const exists = await strapi.db
      .query('plugin::users-permissions.permission')
      .findOne({ where: { action, role: role.id } });
    if (!exists) {
      await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
    }
  }
}
