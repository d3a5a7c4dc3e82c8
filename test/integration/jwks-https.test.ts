/**
 * The JWKS path as deployed: no JWKS file, the keys fetched over https by aws-jwt-verify, from a local
 * https server whose self-signed certificate (test/fixtures/tls) the runtime trusts through
 * NODE_EXTRA_CA_CERTS. Node reads that variable only at start-up, so the runtime is a child process of
 * its own (`npm start`, source mode). The server counts requests per path and can answer with the keys,
 * with a 500, never, or not at all (the port closed).
 *
 * One runtime, one verifier cache: the steps run in order. The outages with nothing cached come first,
 * while the cache is still empty; everything after them starts from the keys fetched once. Every call
 * is a list, so every call reaches one function (readApps) and one cache, as it would on AWS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signJwt } from '../../infra/local/jwt-sign.ts';
import { makeTestKey } from '../fixtures/keys.ts';
import { assertDocumented } from '../fixtures/openapi-check.ts';
import { type SpawnedRuntime, spawnRuntime } from '../fixtures/spawn-runtime.ts';

const TLS = resolve(import.meta.dirname, '../fixtures/tls');
const ISSUER = 'https://issuer.jwks-https.example';
const AUDIENCE = 'userid-api';
const JWKS_PATH = '/jwks.json';
const APPS = '/v1/management/applications';

/** keys: the JWKS; error: 500 to everything; hang: the request is read and never answered. */
type Mode = 'keys' | 'error' | 'hang';

/** The identity provider's JWKS endpoint, over https on 127.0.0.1. */
class JwksServer {
  mode: Mode = 'keys';
  private counts = new Map<string, number>();
  private server: Server;
  port = 0;
  listening = false;

  constructor(private jwks: unknown) {
    this.server = createServer(
      { cert: readFileSync(join(TLS, 'cert.pem')), key: readFileSync(join(TLS, 'key.pem')) },
      (request, response) => {
        const path = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
        this.counts.set(path, this.requests(path) + 1);
        if (this.mode === 'hang') return;
        if (this.mode === 'error') {
          response.writeHead(500, { 'content-type': 'text/plain' }).end('identity provider down');
        } else if (path === JWKS_PATH) {
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.jwks));
        } else {
          response.writeHead(404).end();
        }
      },
    );
  }

  requests(path: string): number {
    return this.counts.get(path) ?? 0;
  }

  /** Serving the keys, request counts at zero: where each step starts, whatever the last one left. */
  async reset(): Promise<void> {
    this.mode = 'keys';
    this.counts.clear();
    if (!this.listening) await this.open();
  }

  /** Listens on `port` (0: any free one); reopening after close() takes the same port again. */
  open(port = this.port): Promise<void> {
    return new Promise((done, fail) => {
      // Should the port have been taken meanwhile, the step fails saying so instead of hanging.
      this.server.once('error', fail);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', fail);
        this.port = (this.server.address() as { port: number }).port;
        this.listening = true;
        done();
      });
    });
  }

  /** Unreachable: the port refuses connections, and kept-alive sockets are dropped too. */
  close(): Promise<void> {
    this.listening = false;
    return new Promise((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }
}

const key = makeTestKey('jwks-https-key');
const jwksServer = new JwksServer({ keys: [key.publicJwk] });
const dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-jwks-https-'));
let runtime: SpawnedRuntime;

function tokenSignedBy(signer: { kid: string; privateKeyPem: string }): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { iss: ISSUER, aud: AUDIENCE, sub: 'jwks-user', tid: 'tenant-jwks-https', role: 'Admin', iat: now, exp: now + 600 },
    signer.privateKeyPem,
    signer.kid,
  );
}

/** GET the list (readApps): every call goes to the same function, so to the same verifier cache as on AWS. */
async function listApps(token: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${runtime.baseUrl}${APPS}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  assertDocumented('GET', APPS, { status: response.status, headers: response.headers, text });
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

function expectUnavailable(response: { status: number; headers: Headers; body: unknown }): void {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(response.body).toEqual({ message: 'Service unavailable', error_code: 503 });
}

function expectInvalidToken(response: { status: number; headers: Headers; body: unknown }): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(response.body).toEqual({ message: 'Invalid token', error_code: 401 });
}

beforeAll(async () => {
  await jwksServer.open(0);
  runtime = await spawnRuntime({
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    DYNAMODB_PORT: '0',
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_JWKS_FILE: '',
    JWT_JWKS_URI: `https://127.0.0.1:${jwksServer.port}${JWKS_PATH}`,
    NODE_EXTRA_CA_CERTS: join(TLS, 'cert.pem'),
  });
});

afterAll(async () => {
  if (runtime) {
    const exited = new Promise((done) => runtime.child.once('exit', done));
    runtime.child.kill('SIGTERM');
    await exited;
  }
  await jwksServer.close().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the JWKS fetched over https, as deployed', () => {
  beforeEach(() => jwksServer.reset());

  it('with no key cached, a JWKS answering 500 gives 503 with Retry-After, not 401', async () => {
    jwksServer.mode = 'error';
    expectUnavailable(await listApps(tokenSignedBy(key)));
    // A 5xx is not retried by aws-jwt-verify: one request reached the server.
    expect(jwksServer.requests(JWKS_PATH)).toBe(1);
  });

  it('with no key cached, an unreachable JWKS gives 503 with Retry-After, not 401', async () => {
    await jwksServer.close();
    expectUnavailable(await listApps(tokenSignedBy(key)));
  });

  it('with no key cached, a JWKS that never answers gives 503 with Retry-After, not 401', async () => {
    // A blackholed identity provider, as a firewall makes one: aws-jwt-verify gives up after its 3 s
    // response timeout and retries once (two requests), about 6 s of the API functions' 10 s.
    jwksServer.mode = 'hang';
    expectUnavailable(await listApps(tokenSignedBy(key)));
    expect(jwksServer.requests(JWKS_PATH)).toBe(2);
  });

  it('fetches the keys once and caches them: two calls, one JWKS request', async () => {
    const token = tokenSignedBy(key);
    expect((await listApps(token)).status).toBe(200);
    expect((await listApps(token)).status).toBe(200);
    expect(jwksServer.requests(JWKS_PATH)).toBe(1);
  });

  it('keeps verifying with the cached keys while the JWKS answers 500 or is unreachable', async () => {
    jwksServer.mode = 'error';
    expect((await listApps(tokenSignedBy(key))).status).toBe(200);
    await jwksServer.close();
    expect((await listApps(tokenSignedBy(key))).status).toBe(200);
    expect(jwksServer.requests(JWKS_PATH)).toBe(0);
  });

  it('refetches for an unknown kid at most once per cool-down (penalty box): 401 both times', async () => {
    // The first unknown kid refetches (a rotated key would be found); the JWKS answers fine without it: 401.
    expectInvalidToken(await listApps(tokenSignedBy(makeTestKey('unknown-kid-1'))));
    expect(jwksServer.requests(JWKS_PATH)).toBe(1);
    // Within aws-jwt-verify's wait (SimplePenaltyBox, 10 s) another unknown kid fetches nothing: 401 again.
    expectInvalidToken(await listApps(tokenSignedBy(makeTestKey('unknown-kid-2'))));
    expect(jwksServer.requests(JWKS_PATH)).toBe(1);
    // The known key is still served from the cache meanwhile.
    expect((await listApps(tokenSignedBy(key))).status).toBe(200);
    expect(jwksServer.requests(JWKS_PATH)).toBe(1);
  });
});
