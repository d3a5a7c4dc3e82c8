/**
 * Contract §5: a page ends before its body would pass 5 MB, with `next_cursor` continuing from there.
 * Lambda answers at most 6 MB, so 100 apps of nearly 64 KiB each (the request body limit), listed
 * whole, would fail once deployed. The apps are created through the API only, so this runs against
 * any deployment.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { adminToken } from '../fixtures/tokens.ts';

const APP_COUNT = 100;
/** The contract's 5 MB, read as the smaller of its two readings. */
const FIVE_MB = 5_000_000;

/** A URL of exactly `length` characters (2,048 is the most a URL field takes). */
const url = (label: string, length: number) => {
  const base = `https://${label}.example.com/callback/`;
  return base + 'x'.repeat(length - base.length);
};

/** An app that fills the request body to just under 64 KiB with the list fields that hold the most. */
const largeApp = (i: number) => ({
  app_name: `large app ${String(i).padStart(3, '0')}`,
  app_description: 'd'.repeat(500),
  login_uri: url(`login-${i}`, 2048),
  first_client: {
    name: 'c',
    redirect_uris: Array.from({ length: 20 }, (_, k) => url(`cb-${k}`, 2048)),
    resources: Array.from({ length: 50 }, (_, k) => `resource-${k}-`.padEnd(256, 'r')),
    allowed_scopes: Array.from({ length: 34 }, (_, k) => `scope-${k}-`.padEnd(256, 's')),
  },
});

interface Listed {
  app_id: string;
  created_at: string;
}

const tenant = uniqueTenant('large');
const created: string[] = [];

beforeAll(async () => {
  const body = largeApp(0);
  expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(65_000);
  expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(64 * 1024);
  // Eight at a time: quick, and well under the stage's throttle.
  let next = 0;
  const worker = async () => {
    while (next < APP_COUNT) {
      const i = next++;
      const res = await call('POST', APPS, { token: adminToken(tenant), body: largeApp(i) });
      expect(res.status).toBe(201);
      created.push(res.body.result.app_id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}, 120_000);

/** Follows `next_cursor` from `first`; checks each body's size and its Link header. */
async function listAll(first: string, limit?: number) {
  const pages: Listed[][] = [];
  const bytes: number[] = [];
  let path = first;
  for (;;) {
    const res = await call('GET', path, { token: adminToken(tenant) });
    expect(res.status).toBe(200);
    bytes.push(Buffer.byteLength(res.text));
    expect(bytes.at(-1)).toBeLessThan(FIVE_MB);
    pages.push(res.body.result);
    const cursor: string | undefined = res.body.next_cursor;
    if (cursor === undefined) {
      expect(res.headers.get('link')).toBeNull();
      return { pages, bytes };
    }
    expect(res.headers.get('link')).toBe(`<${APPS}?cursor=${cursor}${limit ? `&limit=${limit}` : ''}>; rel="next"`);
    path = `${APPS}?cursor=${cursor}${limit ? `&limit=${limit}` : ''}`;
  }
}

function expectEveryAppOnceInOrder(pages: Listed[][]) {
  const listed = pages.flat();
  expect(listed).toHaveLength(APP_COUNT);
  expect(new Set(listed.map((a) => a.app_id))).toEqual(new Set(created));
  const dates = listed.map((a) => a.created_at);
  expect(dates).toEqual([...dates].sort());
}

describe('a tenant of large apps', () => {
  it('is listed unpaged in bodies under 5 MB, each app exactly once, in order', async () => {
    const { pages, bytes } = await listAll(APPS);
    // The premise: in one body these apps would pass Lambda's 6 MB.
    expect(bytes.reduce((a, b) => a + b, 0)).toBeGreaterThan(6 * 1024 * 1024);
    expect(pages.length).toBe(2);
    expect(pages[0]!.length).toBeGreaterThan(60);
    expectEveryAppOnceInOrder(pages);
  });

  it('with limit=100, pages by size too, in the same order', async () => {
    const unpaged = (await listAll(APPS)).pages.flat();
    const { pages } = await listAll(`${APPS}?limit=100`, 100);
    expect(pages.length).toBe(2);
    expect(pages[0]!.length).toBeLessThan(100);
    expectEveryAppOnceInOrder(pages);
    expect(pages.flat().map((a) => a.app_id)).toEqual(unpaged.map((a) => a.app_id));
  });

  it('with limit=50, pages by count where 50 apps fit', async () => {
    const { pages } = await listAll(`${APPS}?limit=50`, 50);
    expect(pages.map((page) => page.length)).toEqual([50, 50]);
    expectEveryAppOnceInOrder(pages);
  });
});
