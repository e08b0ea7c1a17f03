import { factories } from '@strapi/strapi';

/**
 * Visitors (the Public role, no credentials) only ever see active departments; staff with an
 * API token see them all.
 */
export default factories.createCoreController('api::department.department', () => ({
  async find(ctx) {
    if (!ctx.state.auth?.credentials) {
      const filters = (ctx.query.filters ?? {}) as Record<string, unknown>;
      ctx.query = { ...ctx.query, filters: { $and: [filters, { active: { $eq: true } }] } };
    }
    return super.find(ctx);
  },
}));
