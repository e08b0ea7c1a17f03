/**
 * Compile the Strapi app (TypeScript → dist/) once for the whole run; each test file then boots
 * its own instance from dist/ against its own fresh database.
 */
const path = require('path');

module.exports = async () => {
  const { compileStrapi } = require('@strapi/strapi');
  const appDir = path.resolve(__dirname, '..', '..');
  const started = Date.now();
  await compileStrapi({ appDir });
  if (process.env.DEBUG_TIMINGS) console.log(`\n[global-setup] compiled in ${Date.now() - started} ms`);
};
