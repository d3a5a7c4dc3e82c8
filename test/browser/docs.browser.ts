/**
 * The reference page as a person uses it: a fresh local runtime (as `npm start`, dev issuer, its own
 * DATA_DIR), a token from `npm run token`, then in Chromium: /docs lists every operation of the document,
 * and a list call tried from the page with that token answers 200 with the app made before. Nothing on
 * the page may come from another origin. The screenshot is kept in test-results/docs.png.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedRuntime, spawnRuntime } from '../fixtures/spawn-runtime.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-results/docs.png';
const APPS = '/v1/management/applications';
const TENANT = 'browser-acme';

let runtime: SpawnedRuntime;
let dataDir: string;
let browser: Browser;
let token: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-browser-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DYNAMODB_PORT: '0', DATA_DIR: dataDir };
  for (const name of ['JWT_ISSUER', 'JWT_JWKS_FILE', 'JWT_JWKS_URI', 'JWT_AUDIENCE']) delete env[name];
  runtime = await spawnRuntime(env);
  // The token a person would paste, made the way the page says.
  token = execFileSync('npm', ['run', '-s', 'token', '--', '--tenant', TENANT, '--admin'], { env, encoding: 'utf8' }).trim();
  // --no-sandbox: Chromium's sandbox refuses to run as root, which CI is.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  if (runtime) {
    const exited = new Promise((resolve) => runtime.child.once('exit', resolve));
    runtime.child.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the /docs page in Chromium', () => {
  it('lists every operation of the document and tries a list call with a dev token: 200', async () => {
    const created = await fetch(`${runtime.baseUrl}${APPS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app_name: 'Shown in the browser' }),
    });
    expect(created.status).toBe(201);
    const document = (await (await fetch(`${runtime.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.keys(byMethod).map((method) => `${method.toUpperCase()} ${path}`),
    );

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(runtime.baseUrl) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    await page.goto(`${runtime.baseUrl}/docs`);
    await page.locator('.opblock').first().waitFor();

    const shown = await page.locator('.opblock').evaluateAll((blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent;
        return `${method} ${block.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`;
      }),
    );
    expect(shown.sort()).toEqual(documented.sort());

    // Authorize: paste the bearer token, as the page's note says.
    await page.locator('.auth-wrapper button.authorize').click();
    await page.locator('.modal-ux input[type="text"]').fill(token);
    await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();

    // GET the collection from the page.
    const list = page.locator('.opblock-get').filter({ has: page.locator(`.opblock-summary-path[data-path="${APPS}"]`) });
    await list.locator('.opblock-summary').click();
    await list.locator('button.execute').click();
    const status = list.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe('200');
    const body = list.locator('.live-responses-table tr.response .microlight').first();
    await expect.poll(() => body.textContent()).toContain('Shown in the browser');

    // From the page's top to the end of the live response: the note, the Authorize lock, the call and its 200.
    const bottom = await list
      .locator('.live-responses-table')
      .first()
      .evaluate((table) => table.getBoundingClientRect().bottom + (globalThis as unknown as { scrollY: number }).scrollY);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 16 } });
    expect(elsewhere).toEqual([]);
  });
});
