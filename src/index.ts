import type { Core } from '@strapi/strapi';
import { installUploadGuard } from './upload/guard';
import { installPrivateStorage } from './upload/private-storage';
import { ensureIndexes } from './bootstrap/indexes';
import { startSqliteCheckpointer } from './bootstrap/sqlite-checkpointer';
import { grantPublicDepartmentRead, seedDepartments } from './bootstrap/seed';

const READ_ONLY_TYPES = [
  'api::department.department',
  'api::chat.chat',
  'api::message.message',
  'api::attachment.attachment',
] as const;

let stopCheckpointer: (() => Promise<void>) | null = null;

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    installUploadGuard(strapi);
    installPrivateStorage(strapi);

    // GraphQL is for reading the history: no mutations for the chat types.
    const graphql = strapi.plugin('graphql');
    if (graphql) {
      const extension = graphql.service('extension');
      for (const uid of READ_ONLY_TYPES) extension.shadowCRUD(uid).disableMutations();
    }
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    stopCheckpointer = await startSqliteCheckpointer(strapi);
    await ensureIndexes(strapi);
    await seedDepartments(strapi);
    await grantPublicDepartmentRead(strapi);
    // after the admin's own bootstrap, which creates its default roles only when none exists
    await strapi.plugin('live-chat')?.service('agents').ensureAgentRole();
  },

  async destroy() {
    await stopCheckpointer?.();
    stopCheckpointer = null;
  },
};
