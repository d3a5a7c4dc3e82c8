/**
 * `npm run bench:cold`: each function's cold start as bundle mode measures it, against a floor, for
 * BENCHMARKS.md.
 *   - The functions: the cloud assembly bundle mode runs (a fresh cdk.out reused, else the CDK app
 *     synthesized with bundling into a temporary DATA_DIR; a line says which), each bundle started the way
 *     bundle mode starts it: a FunctionPool of infra/local/bundled/ with the environment built from the
 *     template (instanceEnvironment), so the same runner, memory and heap limit.
 *   - The floor: a bundle that only imports the DynamoDB document client and creates it at module scope,
 *     as our functions do, built with the stack's esbuild options (BUNDLING) and started the same way.
 *   - Below it, for reading the figures: an empty handler built and started the same way (Node's own
 *     start-up and the runner: Init Duration counts from the process start, as Lambda's includes its
 *     runtime's bootstrap).
 *   - Each sample is a new pool, so a new instance: one invocation with a harmless event (an API call
 *     without Authorization → 401; the cleanup → an empty stream batch), its Init Duration read from the
 *     REPORT line the instance writes, then the instance is stopped. No DynamoDB runs: none of these
 *     events reaches it.
 *   - Rounds: one unrecorded warm-up round (the page cache), then BENCH_COLD_RUNS rounds (default 20) over
 *     the seven bundles, the order rotated each round, so the machine's load falls on all alike.
 * The floor's options are checked, not assumed: createApp rebuilt here with them must equal its synthesized
 * asset byte for byte. BENCH_DATA_DIR keeps the data folder (and a synthesized cdk.out) between runs.
 * Exits non-zero if a cold start's REPORT line has no Init Duration, or an invocation does not answer as
 * expected.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { build } from 'esbuild';
import { loadCloudAssembly } from '../../infra/local/bundled/cloud-assembly.ts';
import { instanceEnvironment, type LocalOverrides } from '../../infra/local/bundled/environment.ts';
import { FunctionPool } from '../../infra/local/bundled/pool.ts';
import type { BundledFunction } from '../../infra/local/bundled/template.ts';
import { ensureDevIssuer } from '../../infra/local/dev-issuer.ts';
import type { GatewayRoute } from '../../infra/local/gateway.ts';
import { CLEANUP_FUNCTION } from '../../shared/cleanup/event-source.ts';
import { FUNCTIONS } from '../../shared/routes.ts';
import { STACK_ESBUILD_OPTIONS } from './stack-esbuild.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);
const FUNCTION_NAMES = [...Object.keys(FUNCTIONS), CLEANUP_FUNCTION.name];
const FLOOR = 'floor';
/** A reference below the floor: Node's start-up and the runner alone, so the SDK's share can be read off. */
const EMPTY = 'empty';

/**
 * The floor's module: the two SDK packages our client is made of (shared/db/client.ts), the client created
 * at module scope with the same client options. Our deadline handler and middleware are our code, so
 * they count on our side of the ratio.
 */
const FLOOR_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 3 }), { marshallOptions: { removeUndefinedValues: true } });
export const handler = async () => ({ statusCode: 200, body: typeof client.send });
`;
const EMPTY_SOURCE = `export const handler = async () => ({ statusCode: 200, body: 'function' });`;

interface Subject {
  name: string;
  fn: BundledFunction;
  env: Record<string, string>;
  event: unknown;
  /** Throws unless the response is the expected harmless one. */
  check: (payload: unknown) => void;
  bytes: number;
  samples: number[];
}

/** Builds as the stack builds a function (BUNDLING; bundleAwsSDK: nothing external) into outdir/index.mjs. */
async function bundle(input: { entry: string } | { source: string }, outdir: string): Promise<string> {
  const outfile = join(outdir, 'index.mjs');
  await build({
    ...('entry' in input
      ? { entryPoints: [join(ROOT, input.entry)] }
      : { stdin: { contents: input.source, resolveDir: ROOT, sourcefile: 'floor.mjs', loader: 'js' as const } }),
    outfile,
    ...STACK_ESBUILD_OPTIONS,
    logLevel: 'error',
  });
  return outfile;
}

/** An HTTP API payload 2.0 event for the route, as the local gateway builds one, without Authorization. */
function apiEvent(route: GatewayRoute): APIGatewayProxyEventV2 {
  const path = route.path.replace(/\{[^}]+\}/g, 'bench');
  const params = [...route.path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => [m[1] as string, 'bench']);
  const now = new Date();
  const key = `${route.method} ${route.path}`;
  return {
    version: '2.0',
    routeKey: key,
    rawPath: path,
    rawQueryString: '',
    headers: { host: '127.0.0.1', 'user-agent': 'bench-cold-start' },
    ...(params.length ? { pathParameters: Object.fromEntries(params) } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: 'local',
      http: { method: route.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench-cold-start' },
      requestId: 'bench-cold-start',
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

/** The Init Duration of the one REPORT line of a cold start; throws if it has none. */
function initDurationOf(lines: string[], name: string): number {
  const reports = lines.filter((line) => line.startsWith('REPORT RequestId: '));
  if (reports.length !== 1) throw new Error(`${name}: expected one REPORT line, got ${reports.length}:\n${lines.join('\n')}`);
  const report = reports[0] as string;
  const init = /\tInit Duration: (\d+(?:\.\d+)?) ms(?:\t|$)/.exec(report);
  if (!init) throw new Error(`${name}: the REPORT line of a cold start has no Init Duration: ${report}`);
  return Number(init[1]);
}

/** One cold start: a new pool, so a new instance, invoked once and stopped. */
async function coldStart(subject: Subject): Promise<number> {
  const lines: string[] = [];
  const pool = new FunctionPool({ fn: subject.fn, env: subject.env, maxInstances: 1, writeLine: (line) => lines.push(line) });
  try {
    subject.check(await pool.invoke(subject.event));
    if (pool.instances.length !== 1 || pool.instances[0]?.invocations !== 1) throw new Error('not a fresh instance');
  } catch (error) {
    throw new Error(`${subject.name}: ${(error as Error).message}\n${lines.join('\n')}`);
  } finally {
    await pool.stop();
  }
  return initDurationOf(lines, subject.name);
}

/** The p-quantile, linear between order statistics (numpy's default). */
function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function machine(): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  return `${model}, ${cpus().length} cores, Node ${process.version}`;
}

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)}`;

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');

async function main() {
  const loadBefore = load();
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'bench-cold-start-'));
  const tableName = 'bench-cold-start';
  try {
    const assembly = await loadCloudAssembly({ projectRoot: ROOT, dataDir, tableName });
    const issuer = ensureDevIssuer(dataDir);
    // No DynamoDB runs: a 401 and an empty batch never call it (a call would fail at once on this port).
    const local: LocalOverrides = {
      tableName,
      dynamodbEndpoint: 'http://127.0.0.1:9',
      region: 'local',
      jwtIssuer: issuer.issuer,
      jwtJwksFile: issuer.jwksFile,
    };
    const subjects: Subject[] = FUNCTION_NAMES.map((name) => {
      const fn = assembly.functions.find((f) => f.name === name);
      if (!fn) throw new Error(`the template has no function ${name}`);
      const route = assembly.routes.find((r) => r.function === name);
      const isCleanup = name === CLEANUP_FUNCTION.name;
      if (!isCleanup && !route) throw new Error(`the template routes nothing to ${name}`);
      return {
        name,
        fn,
        env: instanceEnvironment(fn, local),
        event: isCleanup ? { Records: [] } : apiEvent(route as GatewayRoute),
        check: isCleanup
          ? (payload) => {
              const failures = (payload as { batchItemFailures?: unknown[] })?.batchItemFailures;
              if (!Array.isArray(failures) || failures.length)
                throw new Error(`expected no batch item failures, got ${JSON.stringify(payload)}`);
            }
          : (payload) => {
              const status = (payload as { statusCode?: number })?.statusCode;
              if (status !== 401) throw new Error(`expected 401 without Authorization, got ${JSON.stringify(payload)}`);
            },
        bytes: statSync(join(fn.assetDir, 'index.mjs')).size,
        samples: [],
      };
    });

    const api = subjects.find((s) => s.name === 'createApp')!.fn;
    // Proof that these options are the stack's: one function rebuilt here must equal its synthesized asset.
    const rebuilt = await bundle({ entry: FUNCTIONS.createApp }, join(dataDir, 'rebuilt'));
    if (!readFileSync(rebuilt).equals(readFileSync(join(api.assetDir, 'index.mjs')))) {
      throw new Error(
        `createApp rebuilt with BUNDLING differs from its asset in ${api.assetDir}: the floor would not be built as the stack builds`,
      );
    }
    // The floor and the empty handler run with an API function's settings (memory, heap limit) and environment.
    const reference = async (name: string, source: string): Promise<Subject> => {
      const file = await bundle({ source }, join(dataDir, name));
      const fn: BundledFunction = { ...api, name, logicalId: name, assetDir: join(dataDir, name) };
      return {
        name,
        fn,
        env: instanceEnvironment(fn, local),
        event: apiEvent({ method: 'GET', path: `/${name}`, function: name }),
        check: (payload) => {
          if ((payload as { body?: string })?.body !== 'function') throw new Error(`${name} answered ${JSON.stringify(payload)}`);
        },
        bytes: statSync(file).size,
        samples: [],
      };
    };
    subjects.push(await reference(FLOOR, FLOOR_SOURCE), await reference(EMPTY, EMPTY_SOURCE));

    // Taken here, after a synth's own load: what the cold starts ran under.
    const loadAtStart = load();
    console.log(`${machine()}; load average (1/5/15 min) at start ${loadAtStart}`);
    console.log(`warm-up round, then ${RUNS} rounds of ${subjects.length} cold starts …`);
    for (const subject of subjects) await coldStart(subject); // warm-up: not recorded
    for (let round = 0; round < RUNS; round++) {
      for (let i = 0; i < subjects.length; i++) {
        const subject = subjects[(round + i) % subjects.length]!;
        subject.samples.push(await coldStart(subject));
      }
    }
    const loadAtEnd = load();

    const floor = subjects.find((s) => s.name === FLOOR)!;
    const floorMedian = quantile(floor.samples, 0.5);
    const label: Record<string, string> = { [FLOOR]: 'floor: DynamoDB document client only', [EMPTY]: 'empty handler (Node + runner)' };
    const rows = subjects.map((s) => {
      const median = quantile(s.samples, 0.5);
      return [
        label[s.name] ?? s.name,
        s.bytes.toLocaleString('en-US'),
        median.toFixed(1),
        quantile(s.samples, 0.25).toFixed(1),
        quantile(s.samples, 0.75).toFixed(1),
        s.name === FLOOR ? '' : signed(median - floorMedian),
        // Paired: each round's sample against the same round's floor, which cancels drift in the machine's load.
        s.name === FLOOR
          ? ''
          : signed(
              quantile(
                s.samples.map((value, round) => value - floor.samples[round]!),
                0.5,
              ),
            ),
        (median / floorMedian).toFixed(2),
      ];
    });
    const header = ['Function', 'Bundle bytes', 'Init median ms', 'p25 ms', 'p75 ms', 'median − floor ms', 'paired Δ ms', 'median ÷ floor'];
    console.log('');
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log('');
    console.log(`Init Duration from bundle mode's REPORT lines, ${RUNS} cold starts each (interleaved rounds).`);
    console.log(
      `Machine: ${machine()}; load average (1/5/15 min) before loading the assembly ${loadBefore}, at the first cold start ${loadAtStart}, at the end ${loadAtEnd}.`,
    );
    console.log(`Bundles: ${assembly.dir} (${assembly.synthesized ? 'synthesized by this run' : 'reused'}).`);
    console.log(`Samples (ms): ${JSON.stringify(Object.fromEntries(subjects.map((s) => [s.name, s.samples])))}`);
  } finally {
    if (!process.env.BENCH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
