import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sample, startSample } from './sample.js';
import { type RunningServer, listen } from './server.js';
import { type Storage, memoryStorage } from './storage.js';
import { httpClient } from './test-support/http-client.js';

// Debian's `chromium` package (apt-get install chromium); CHROMIUM_PATH points elsewhere.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(executablePath);
const inCI = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!available && !inCI) {
  console.warn(
    `[browser] skipped: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

// In CI a missing browser is a failed test, not a skip.
describe.skipIf(!available && !inCI)('the board page in a browser', () => {
  let storage: Storage;
  let sample: Sample;
  let server: RunningServer;
  let browser: Browser | undefined;

  beforeAll(async () => {
    storage = memoryStorage();
    sample = await startSample(storage, { log: () => {} });
    server = await listen(sample.app, 0);
    if (!available) return;
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sample?.close();
    await storage?.close();
  });

  it('shows the board and follows changes made through the API, live', async () => {
    if (!browser) {
      throw new Error(
        `CI is set but there is no Chromium at ${executablePath}: install it or set CHROMIUM_PATH`,
      );
    }
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/?tenant=browser&user=ann`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#live.on');
      const column = (status: string) => page.locator(`section[data-status="${status}"]`);

      // A change through the API appears on the open page without a reload.
      const api = httpClient(sample.app, 'browser', 'ann');
      const created = await api.post('/chats', {
        workspaceId: 'web',
        type: 'Bug',
        title: 'Login button is grey',
      });
      expect(created.status).toBe(201);
      await column('todo').getByText('Login button is grey').waitFor();
      const moved = await api.put(`/chats/${created.body.chat.id}/status`, {
        status: 'in_progress',
      });
      expect(moved.status).toBe(200);
      await column('in_progress').getByText('Login button is grey').waitFor();
      expect(await column('todo').getByText('Login button is grey').count()).toBe(0);

      // The page's own form and buttons go through the same API.
      await page.fill('input[name=title]', 'Write the changelog');
      await page.click('#create button');
      const card = column('todo').locator('li', { hasText: 'Write the changelog' });
      await card.waitFor();
      await card.getByRole('button', { name: '→ in_progress' }).click();
      await column('in_progress').getByText('Write the changelog').waitFor();
    } finally {
      await page.close();
    }
  });
});
