/** Concurrent requests never lose an update or break uniqueness (contract §3, handbook standards). */
import { describe, expect, it } from 'vitest';
import { APPS, call, uniqueLabel, uniqueTenant } from '../fixtures/api.ts';
import { external } from '../fixtures/target.ts';
import { adminToken } from '../fixtures/tokens.ts';

describe('concurrency', () => {
  // Against a deployment, 50 fresh tenants are 50 token command runs, which the pool may still be making.
  it('50 concurrent creates of one subdomain: exactly one 201 and 49 409s', { timeout: external() ? 180_000 : undefined }, async () => {
    const subdomain = uniqueLabel('race');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('POST', APPS, { token: adminToken(uniqueTenant(`racer${i}`)), body: { app_name: `racer ${i}`, subdomain } }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const loser of results.filter((r) => r.status === 409)) expect(loser.body.ts_error_code).toBe('SUBDOMAIN_TAKEN');
  });

  it('concurrent updates under If-Match: exactly one winner', async () => {
    const tenant = uniqueTenant();
    const app = (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'v1' } })).body.result;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call('PUT', `${APPS}/${app.app_id}`, {
          token: adminToken(tenant),
          body: { app_name: `writer ${i}` },
          headers: { 'if-match': '"1"' },
        }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(9);
    const stored = (await call('GET', APPS, { token: adminToken(tenant) })).body.result[0];
    expect(stored.app_name).toBe(winners[0]?.body.result.app_name);
  });

  it('concurrent updates of different fields without If-Match all survive', async () => {
    const tenant = uniqueTenant();
    const app = (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'base' } })).body.result;
    const patches = [
      { app_name: 'renamed' },
      { app_description: 'described' },
      { login_uri: 'https://login.example.com' },
      { invite_member_uri: 'https://invite.example.com' },
      { b2b_invite_journey_id: 'journey' },
      { pkce: 'enforcePkceAlongsideClientCredentials' },
      { invite_member_email_expiration_minutes: 99 },
    ];
    const results = await Promise.all(patches.map((body) => call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body })));
    expect(results.map((r) => r.status)).toEqual(patches.map(() => 200));
    const stored = (await call('GET', APPS, { token: adminToken(tenant) })).body.result[0];
    expect(stored).toMatchObject(Object.assign({}, ...patches));
    expect(stored.app_id).toBe(app.app_id);
  });

  it('concurrent subdomain moves of one app end with exactly the final subdomain claimed', async () => {
    const tenant = uniqueTenant();
    const app = (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'mover', subdomain: uniqueLabel('m0') } })).body
      .result;
    const targets = Array.from({ length: 6 }, (_, i) => uniqueLabel(`m${i + 1}`));
    const results = await Promise.all(
      targets.map((subdomain) => call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body: { subdomain } })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = (await call('GET', APPS, { token: adminToken(tenant) })).body.result[0].subdomain;
    expect(targets).toContain(final);
    // Exactly the final value is held: every other one (the first included) is free for anyone.
    for (const subdomain of [app.subdomain, ...targets]) {
      const attempt = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'next', subdomain } });
      expect(attempt.status, subdomain).toBe(subdomain === final ? 409 : 201);
    }
  });

  it('a delete racing subdomain moves of the same app leaves no value claimed', async () => {
    const tenant = uniqueTenant();
    const app = (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'doomed', subdomain: uniqueLabel('d0') } })).body
      .result;
    const targets = Array.from({ length: 5 }, (_, i) => uniqueLabel(`d${i + 1}`));
    const moves = targets.map((subdomain) => call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body: { subdomain } }));
    const deletion = call('DELETE', `${APPS}/${app.app_id}`, { token: adminToken(tenant) });
    const [deleted, ...moved] = await Promise.all([deletion, ...moves]);
    expect(deleted.status).toBe(204);
    for (const r of moved) expect([200, 404]).toContain(r.status);
    // Whatever the interleaving, the app is gone and every value it ever named can be claimed again.
    for (const subdomain of [app.subdomain, ...targets]) {
      const claim = await call('POST', APPS, { token: adminToken(uniqueTenant()), body: { app_name: 'next', subdomain } });
      expect(claim.status, subdomain).toBe(201);
    }
  });

  it('concurrent updates moving one app to the same new subdomain all succeed', async () => {
    const tenant = uniqueTenant();
    const app = (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: 'same', subdomain: uniqueLabel('s0') } })).body
      .result;
    const target = uniqueLabel('s1');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        call('PUT', `${APPS}/${app.app_id}`, { token: adminToken(tenant), body: { subdomain: target, app_description: `writer ${i}` } }),
      ),
    );
    // A loser's claim fails because its own app now holds the value: that is a lost race, not a 409.
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('two concurrent secret adds on an app with one secret: exactly one 201 and one 409 SECRET_LIMIT', async () => {
    const tenant = uniqueTenant();
    for (let round = 0; round < 5; round++) {
      const app = (await call('POST', APPS, { token: adminToken(tenant), body: { app_name: `rotating ${round}` } })).body.result;
      const results = await Promise.all([0, 1].map(() => call('POST', `${APPS}/${app.app_id}/secrets`, { token: adminToken(tenant) })));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)?.body.ts_error_code).toBe('SECRET_LIMIT');
      const stored = await call('GET', `${APPS}/${app.app_id}`, { token: adminToken(tenant) });
      expect(stored.headers.get('etag')).toBe('"2"');
      expect(stored.body.result.client_secrets.map((s: { secret_id: string }) => s.secret_id)).toEqual([
        app.client_secrets[0].secret_id,
        results.find((r) => r.status === 201)?.body.result.secret_id,
      ]);
    }
  });
});
