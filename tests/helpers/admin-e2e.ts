import path from 'path';
import { spawn } from 'child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { APP_DIR } from './strapi';

/**
 * What the admin's end-to-end tests share: admins created with Strapi's own CLI on the test's
 * database, Debian's Chromium (driven by playwright-core, no browser downloaded), and the login
 * form at /admin.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `strapi admin:create-user`, the CLI an operator uses, on the test's database. */
export function createAdminWithCli(firstname: string, email: string, password: string, lastname = 'Lima') {
  return new Promise<void>((resolve, reject) => {
    let out = '';
    const child = spawn(
      path.join(APP_DIR, 'node_modules', '.bin', 'strapi'),
      ['admin:create-user', `--firstname=${firstname}`, `--lastname=${lastname}`, `--email=${email}`, `--password=${password}`],
      { cwd: APP_DIR, env: { ...process.env, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`admin:create-user exited with ${code}:\n${out}`))));
  });
}

/** Headless Chromium as the e2e tests run it (no sandbox in containers, nothing phoning home). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Logs in at /admin with the login form and waits to leave the auth pages. */
export async function loginToAdmin(page: Page, base: string, email: string, password: string) {
  await page.goto(`${base}/admin/auth/login`);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL((u) => !u.pathname.includes('/auth/'));
}

/** Closes the admin's own announcement banner (Strapi's "Introducing …" with a "Close the banner." button), out of the screenshots' way. */
export async function closeAdminBanner(page: Page) {
  const banner = page.getByRole('button', { name: /^close( the banner)?\.?$/i });
  if ((await banner.count()) === 1) await banner.click();
}
