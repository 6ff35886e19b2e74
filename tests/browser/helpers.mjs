// What every browser test file shares: a fresh server serving web/public, Debian's
// chromium under playwright-core, users who register through the page, and steps that
// leave a screenshot each.
//
// Every step's screenshots go to a temporary directory; when a step fails they are
// copied to build/browser-artifacts/ and the path is printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startServer } from '../integration/harness.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STEP_TIMEOUT_MS = 10_000;
const PASSWORD = 'correct horse battery';

/**
 * Registers the file's before/after hooks and returns the suite: `server` and `browser`
 * once before() has run, `pages` (name → page, shot at every step), `step`, `openUser`.
 */
export function browserSuite() {
  const suite = { server: null, browser: null, pages: {} };
  let shotsDir;
  let shotCount = 0;
  let failed = false;

  async function shoot(name) {
    shotCount += 1;
    for (const [who, page] of Object.entries(suite.pages)) {
      if (page.isClosed()) continue;
      await page.screenshot({ path: path.join(shotsDir, `${String(shotCount).padStart(2, '0')}-${name}-${who}.png`) });
    }
  }

  // Runs one step; a failure marks the run so the screenshots are kept.
  suite.step = async (name, body) => {
    try {
      await body();
      await shoot(name);
    } catch (error) {
      failed = true;
      await shoot(`${name}-FAILED`).catch(() => {});
      throw new Error(`step "${name}": ${error.message}`, { cause: error });
    }
  };

  /** A new page of `context` where `username` creates an account and reaches the chat. */
  suite.openUser = async (context, username) => {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (error) => console.error(`[${username}] page error: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') console.error(`[${username}] console: ${msg.text()}`);
    });
    await page.goto(suite.server.baseUrl);
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#chat-screen').waitFor({ state: 'visible' });
    return page;
  };

  before(async () => {
    shotsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'talkline-browser-'));
    suite.server = await startServer({
      env: {
        TALKLINE_WEB_DIR: path.join(repoRoot, 'web/public'),
        TALKLINE_API_DOCS_DIR: path.join(repoRoot, 'web/api-docs'),
      },
    });
    suite.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });

  after(async () => {
    await suite.browser?.close();
    await suite.server?.dispose();
    if (failed) {
      const kept = path.join(repoRoot, 'build', 'browser-artifacts', path.basename(shotsDir));
      fs.mkdirSync(path.dirname(kept), { recursive: true });
      fs.cpSync(shotsDir, kept, { recursive: true });
      console.error(`browser test failed: screenshots of every step are in ${kept}`);
    }
    fs.rmSync(shotsDir, { recursive: true, force: true });
  });

  return suite;
}

/** The messages of the open conversation whose text contains `text`. */
export function message(page, text) {
  return page.locator('#messages .message', { hasText: text });
}
