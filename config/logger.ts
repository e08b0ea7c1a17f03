import { winston, formats } from '@strapi/logger';

// LOG_LEVEL: error | warn | info | http | verbose | debug (default http, as Strapi's own)
const level = process.env.LOG_LEVEL ?? 'http';

export default {
  transports: [
    new winston.transports.Console({
      level,
      format: winston.format.combine(formats.levelFilter(level), formats.prettyPrint({ timestamps: 'YYYY-MM-DD HH:mm:ss.SSS' })),
    }),
  ],
};
