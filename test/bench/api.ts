/**
 * `npm run bench`: figures for BENCHMARKS.md. Starts the local runtime (the same one `npm start` runs:
 * gateway → Middy chain → dynalite behind the capture proxy) in a throwaway folder, then measures:
 *   - latency and throughput of each endpoint at a fixed concurrency, over HTTP;
 *   - the JWT verification cost alone (aws-jwt-verify, keys cached);
 *   - module initialisation of each bundled handler in a fresh Node process (a cold start's own share).
 * Prints a table. The client runs on the same 2 cores as the service: figures are a floor, not a ceiling.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mintDevToken } from '../../infra/local/dev-issuer.ts';
import { localConfigFromEnv, startLocalRuntime } from '../../infra/local/runtime.ts';
import { createTokenVerifier } from '../../shared/auth/verifier.ts';
import { BUNDLE_ENV, synthBundles } from '../fixtures/bundles.ts';

// Per-request log lines would cost more than some requests; errors still print.
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function measure(name: string, count: number, one: (i: number) => Promise<Response>) {
  const requestsBefore = runtime.dynamo.capture.requestCounts();
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const res = await one(i);
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status >= 300) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    scenario: name,
    requests: count,
    'req/s': Math.round(count / seconds),
    'p50 ms': +percentile(latencies, 50).toFixed(2),
    'p95 ms': +percentile(latencies, 95).toFixed(2),
    'p99 ms': +percentile(latencies, 99).toFixed(2),
    failures,
    // Counted by the local endpoint: what the handlers (and the cleanup running alongside) sent.
    'DynamoDB requests per call': perCall(runtime.dynamo.capture.requestCounts(requestsBefore), count),
  };
}

const perCall = (counts: Record<string, number>, calls: number) =>
  Object.entries(counts)
    .map(([operation, n]) => `${operation} ${+(n / calls).toFixed(2)}`)
    .join(', ') || '0';

const dataDir = mkdtempSync(join(tmpdir(), 'mgmt-apps-bench-'));
const runtime = await startLocalRuntime({
  ...localConfigFromEnv({ DATA_DIR: dataDir, PORT: '0', DYNAMODB_PORT: '0' }),
  throttling: { rateLimit: 1e9, burstLimit: 1e9 },
});
const token = mintDevToken(runtime.devIssuer, { tenant: 'bench', admin: true });
const api = `${runtime.baseUrl}/v1/management/applications`;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const body = (i: number, label = 'bench') =>
  JSON.stringify({
    app_name: `${label} ${i}`,
    subdomain: `${label}-${i}`,
    first_client: { name: 'c', redirect_uris: ['https://bench.example.com/cb'], role_ids: ['r1', 'r2'] },
  });

const results = [];
await measure('warm-up', 200, (i) => fetch(api, { method: 'POST', headers, body: body(i, 'warm') }));
results.push(await measure('POST create (subdomain, 2 roles)', REQUESTS, (i) => fetch(api, { method: 'POST', headers, body: body(i) })));
const ids: string[] = ((await (await fetch(`${api}?limit=100`, { headers })).json()) as { result: { app_id: string }[] }).result.map(
  (a) => a.app_id,
);
results.push(await measure('GET list ?limit=100', REQUESTS, () => fetch(`${api}?limit=100`, { headers })));
results.push(
  await measure('PUT update (name)', REQUESTS, (i) =>
    fetch(`${api}/${ids[i % ids.length]}`, { method: 'PUT', headers, body: JSON.stringify({ app_name: `renamed ${i}` }) }),
  ),
);
results.push(
  await measure('PUT update (subdomain move)', REQUESTS, (i) =>
    fetch(`${api}/${ids[i % ids.length]}`, { method: 'PUT', headers, body: JSON.stringify({ subdomain: `moved-${i}` }) }),
  ),
);
results.push(await measure('401 bad token', REQUESTS, () => fetch(api, { headers: { authorization: 'Bearer x.y.z' } })));
const toDelete: string[] = [];
for (let cursor: string | undefined; toDelete.length < REQUESTS; ) {
  const page = (await (await fetch(`${api}?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers })).json()) as {
    result: { app_id: string }[];
    next_cursor?: string;
  };
  toDelete.push(...page.result.map((a) => a.app_id));
  if (!page.next_cursor) break;
  cursor = page.next_cursor;
}
results.push(
  await measure('DELETE', Math.min(REQUESTS, toDelete.length), (i) => fetch(`${api}/${toDelete[i]}`, { method: 'DELETE', headers })),
);
console.log(`\nHTTP, concurrency ${CONCURRENCY}, ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`);
console.table(results);

// JWT verification alone, keys cached (what every request pays).
const verifier = createTokenVerifier({ issuers: [runtime.devIssuer.issuer], audience: 'userid-api', jwksFile: runtime.devIssuer.jwksFile });
await verifier.verify(token);
const rounds = 5000;
const t0 = performance.now();
for (let i = 0; i < rounds; i++) await verifier.verify(token);
console.log(`JWT verify (RS256, cached JWKS): ${(((performance.now() - t0) / rounds) * 1000).toFixed(1)} µs per token`);

await runtime.stop();

// Cold-start share: module initialisation of each bundled handler, in a fresh process, 5 runs each.
const init = [];
for (const [description, bundle] of Object.entries(await synthBundles())) {
  const probe = `const t=performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now()-t);`;
  const runs = Array.from({ length: 5 }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
        cwd: tmpdir(),
        env: { PATH: process.env.PATH, ...BUNDLE_ENV },
      }).toString(),
    ),
  ).sort((a, b) => a - b);
  init.push({
    function: description,
    'bundle KB': Math.round(statSync(bundle).size / 1024),
    'median init ms': +(runs[2] ?? NaN).toFixed(1),
  });
}
console.log('\nBundled handler module initialisation (fresh node process, median of 5):');
console.table(init);
