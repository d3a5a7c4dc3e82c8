/**
 * `npm run bench:observability`: what observability costs each function, for BENCHMARKS.md.
 * Every function is built three times with esbuild and the stack's own bundling options (BUNDLING in
 * infra/constructs/app-function.ts):
 *   - `none`:    shared/metrics.ts swapped for a no-op module, so Powertools Metrics is not bundled;
 *   - `metrics`: as deployed;
 *   - `tracer`:  as deployed, plus Powertools Tracer wrapping the DynamoDB client (`captureAWSv3Client`,
 *                in shared/db/client.ts). The Tracer is not a dependency of the project: it is installed
 *                with npm into a throwaway folder (BENCH_TRACER_DIR, kept between runs) and found from there.
 * For each build: bytes (raw, gzip) and init time, i.e. the `import()` of the bundle alone, in a fresh
 * Node process with the environment the stack gives the function plus the variables Lambda sets; the
 * median of BENCH_INIT_RUNS processes (wall clock and CPU time), the variants interleaved so that
 * machine noise hits all alike.
 * Active tracing without the Tracer (Tracing.ACTIVE: Lambda's own segment) adds nothing to a bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { CLEANUP_FUNCTION } from '../../shared/cleanup/event-source.ts';
import { FUNCTIONS } from '../../shared/routes.ts';
import { synth } from '../infra/fixtures.ts';
import { STACK_ESBUILD_OPTIONS } from './stack-esbuild.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 20);
const TRACER_DIR = process.env.BENCH_TRACER_DIR ?? join(tmpdir(), 'management-apps-bench-tracer');
const VARIANTS = ['none', 'metrics', 'tracer'] as const;
type Variant = (typeof VARIANTS)[number];

/** The Tracer of the same Powertools release as the Logger the project uses. */
function ensureTracer(): string {
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules/@aws-lambda-powertools/logger/package.json'), 'utf8')).version;
  const installed = join(TRACER_DIR, 'node_modules/@aws-lambda-powertools/tracer/package.json');
  if (!existsSync(installed) || JSON.parse(readFileSync(installed, 'utf8')).version !== version) {
    mkdirSync(TRACER_DIR, { recursive: true });
    writeFileSync(join(TRACER_DIR, 'package.json'), '{"name":"bench-tracer","private":true}');
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', `@aws-lambda-powertools/tracer@${version}`], {
      cwd: TRACER_DIR,
      stdio: 'inherit',
    });
  }
  return join(TRACER_DIR, 'node_modules');
}

/** shared/metrics.ts with the same export and no Powertools Metrics behind it. */
const withoutMetrics: Plugin = {
  name: 'without-metrics',
  setup(b) {
    b.onLoad({ filter: /[\\/]shared[\\/]metrics\.ts$/ }, () => ({ contents: 'export function emitMetrics() {}', loader: 'ts' }));
  },
};

/** shared/db/client.ts with the DynamoDB client wrapped by the Tracer, as its documentation shows. */
const withTracer: Plugin = {
  name: 'with-tracer',
  setup(b) {
    b.onLoad({ filter: /[\\/]shared[\\/]db[\\/]client\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const anchor = 'return DynamoDBDocumentClient.from(client';
      if (!source.includes(anchor)) throw new Error(`shared/db/client.ts changed: "${anchor}" not found`);
      const traced = source.replace(anchor, `tracer.captureAWSv3Client(client);\n  ${anchor}`);
      return {
        contents: `import { Tracer } from '@aws-lambda-powertools/tracer';\nconst tracer = new Tracer();\n${traced}`,
        loader: 'ts',
        resolveDir: resolve(args.path, '..'),
      };
    });
  },
};

async function bundle(entry: string, variant: Variant, outdir: string, tracerModules: string): Promise<string> {
  const outfile = join(outdir, variant, entry.replace(/[/.]/g, '_'), 'index.mjs');
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    ...STACK_ESBUILD_OPTIONS,
    plugins: variant === 'none' ? [withoutMetrics] : variant === 'tracer' ? [withTracer] : [],
    nodePaths: variant === 'tracer' ? [tracerModules] : [],
    logLevel: 'error',
  });
  return outfile;
}

/** Each function's environment as synthesized (tokens replaced by sample values), plus Lambda's own. */
function functionEnvironments(): Record<string, Record<string, string>> {
  const { template } = synth();
  const environments: Record<string, Record<string, string>> = {};
  for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function'))) {
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    const name = id.startsWith('Cleanup')
      ? CLEANUP_FUNCTION.name
      : (Object.keys(FUNCTIONS).find((n) => id.startsWith(`${n}Function`)) ?? id);
    environments[name] = {
      ...Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : `bench-${key.toLowerCase()}`]),
      ),
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.Properties.MemorySize),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }
  return environments;
}

/**
 * The bundle's `import()` (module evaluation included) in a fresh Node process: wall-clock ms, and CPU ms
 * (user + system), which other processes on a shared machine disturb far less than the wall clock.
 */
function init(bundlePath: string, env: Record<string, string>): { wall: number; cpu: number } {
  const probe = [
    'const c = process.cpuUsage(); const t = performance.now();',
    `await import(${JSON.stringify(bundlePath)});`,
    'const wall = performance.now() - t; const { user, system } = process.cpuUsage(c);',
    'process.stdout.write(JSON.stringify({ wall, cpu: (user + system) / 1000 }));',
  ].join(' ');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: tmpdir(), // far from node_modules: the bundle must carry everything it imports
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

async function main() {
  const tracerModules = ensureTracer();
  const outdir = mkdtempSync(join(tmpdir(), 'observability-bench-'));
  const environments = functionEnvironments();
  const entries: Record<string, string> = { ...FUNCTIONS, [CLEANUP_FUNCTION.name]: CLEANUP_FUNCTION.entry };
  const rows: Record<string, Record<string, string>> = {};
  const pairedCpu: Record<Variant, number[]> = { none: [], metrics: [], tracer: [] };
  for (const [name, entry] of Object.entries(entries)) {
    const env = environments[name];
    if (!env) throw new Error(`no function ${name} in the template`);
    const bundles = {} as Record<Variant, string>;
    for (const variant of VARIANTS) bundles[variant] = await bundle(entry, variant, outdir, tracerModules);
    const wall: Record<Variant, number[]> = { none: [], metrics: [], tracer: [] };
    const cpu: Record<Variant, number[]> = { none: [], metrics: [], tracer: [] };
    for (const variant of VARIANTS) init(bundles[variant], env); // warm the file cache once
    for (let run = 0; run < RUNS; run++) {
      for (const variant of VARIANTS) {
        const measured = init(bundles[variant], env);
        wall[variant].push(measured.wall);
        cpu[variant].push(measured.cpu);
      }
    }
    const figures = Object.fromEntries(
      VARIANTS.map((v) => {
        const bytes = readFileSync(bundles[v]);
        return [v, { raw: bytes.length, gzip: gzipSync(bytes).length, wall: median(wall[v]), cpu: median(cpu[v]) }];
      }),
    ) as Record<Variant, { raw: number; gzip: number; wall: number; cpu: number }>;
    const delta = (value: number, base: number, format: (n: number) => string) =>
      `${value >= base ? '+' : '-'}${format(Math.abs(value - base))}`;
    // Paired: each run's variant against the same round's `none`, which cancels drift in the machine's load.
    const paired = (variant: Variant) => cpu[variant].map((value, run) => value - cpu.none[run]!);
    for (const variant of VARIANTS) if (variant !== 'none') pairedCpu[variant].push(...paired(variant));
    for (const variant of VARIANTS) {
      const f = figures[variant];
      const base = figures.none;
      const vs = variant !== 'none';
      rows[`${name} ${variant}`] = {
        'raw KiB': kb(f.raw),
        'gzip KiB': kb(f.gzip),
        'init wall ms': f.wall.toFixed(1),
        'init CPU ms': f.cpu.toFixed(1),
        'Δ raw KiB': vs ? delta(f.raw, base.raw, kb) : '',
        'Δ gzip KiB': vs ? delta(f.gzip, base.gzip, kb) : '',
        'Δ wall ms': vs ? delta(f.wall, base.wall, (n) => n.toFixed(1)) : '',
        'Δ CPU ms': vs ? delta(f.cpu, base.cpu, (n) => n.toFixed(1)) : '',
        'Δ CPU ms, paired': vs ? delta(median(paired(variant)), 0, (n) => n.toFixed(1)) : '',
      };
    }
  }
  console.log(
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; init: median of ${RUNS} fresh processes each`,
  );
  console.table(rows);
  for (const variant of VARIANTS.filter((v) => v !== 'none')) {
    const sorted = [...pairedCpu[variant]].sort((x, y) => x - y);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1);
    console.log(
      `${variant} vs none, init CPU ms, every function's paired runs (n=${sorted.length}): median ${median(sorted).toFixed(1)}, quartiles ${q(0.25)} to ${q(0.75)}`,
    );
  }
  console.log(`bundles kept in ${outdir}`);
}

await main();
