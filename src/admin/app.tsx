import type { StrapiApp } from '@strapi/strapi/admin';

/** The admin in English and Brazilian Portuguese (the team's language; the console has both). */
export default {
  config: {
    locales: ['pt-BR'],
  },
  bootstrap(_app: StrapiApp) {},
};
