/** The client secret is shown once (create's 201) and never again: no response, no log line. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueTenant } from '../fixtures/api.ts';
import { localOnly, NEEDS } from '../fixtures/target.ts';
import { adminToken, runtime } from '../fixtures/tokens.ts';

/** Create, list, update: the secret is in the 201 and must be in no other answer. */
async function createListUpdate() {
  const tenant = uniqueTenant();
  const bearer = adminToken(tenant);
  const created = await call('POST', APPS, { token: bearer, body: { app_name: 'secretive' } });
  const secret: string = created.body.result.client_secret;
  expect(secret).toHaveLength(43);

  const list = await call('GET', APPS, { token: bearer });
  const update = await call('PUT', `${APPS}/${created.body.result.app_id}`, { token: bearer, body: { app_name: 'still secretive' } });
  expect(list.text).not.toContain(secret);
  expect(update.text).not.toContain(secret);
  expect(update.body.result).not.toHaveProperty('client_secret');
  return { tenant, bearer, created, secret, update };
}

describe('secrets', () => {
  it('appear in no list or update response', async () => {
    await createListUpdate();
  });

  localOnly(NEEDS.log).it('appear in no list or update response and in no log line; tokens are never logged', async () => {
    const { tenant, bearer, created, secret, update } = await createListUpdate();

    // The runtime writes its log line as the response goes out; under load the file may lag a little,
    // so wait (bounded) until the last request's line is there: then the file holds all three.
    const lastId = update.headers.get('x-request-id') ?? 'missing';
    let log = readFileSync(runtime().logFile, 'utf8');
    for (const deadline = Date.now() + 10_000; !log.includes(lastId) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      log = readFileSync(runtime().logFile, 'utf8');
    }
    expect(log).toContain(lastId);
    expect(log).not.toContain(secret);
    expect(log).not.toContain(bearer.split('.')[2]);
    const lines = log.split('\n').filter((line) => line.startsWith('{'));
    const mine = lines.map((line) => JSON.parse(line)).filter((entry) => entry.tenant_id === tenant);
    expect(mine.map((entry) => entry.status)).toEqual([201, 200, 200]);
    expect(mine[0]).toMatchObject({ route: 'POST /v1/management/applications', app_id: created.body.result.app_id, level: 'INFO' });
    expect(mine[0].request_id).toBe(created.headers.get('x-request-id'));
  });
});
