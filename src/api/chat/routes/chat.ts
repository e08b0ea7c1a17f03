import { factories } from '@strapi/strapi';

// Read-only over REST: chats and messages are written by the live-chat plugin, departments in the admin.
export default factories.createCoreRouter('api::chat.chat', { only: ['find', 'findOne'] });
