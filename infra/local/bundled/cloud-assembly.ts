/**
 * The cloud assembly bundle mode runs: the one given (`--assembly <dir>`, as `cdk deploy --app cdk.out`
 * deploys one: used as it is), else a fresh one if there is one (the project's `cdk.out` from
 * `npm run synth`, or the one the last bundle-mode start synthesized into DATA_DIR), else a new synth of
 * the CDK app, with bundling, into DATA_DIR/cdk.out. Fresh means its template is newer than every
 * source the bundles and the template come from. A log line says which happened.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App } from 'aws-cdk-lib';
import { type CloudAssembly, readTemplate, templateFileOf } from './template.ts';

/** The bundles come from functions/ and shared/, the template from the CDK app under infra/. */
const SOURCE_DIRS = ['functions', 'shared', 'infra'];
/** Also read by the bundling: package.json's `imports` map (`#shared/*`), and esbuild's tsconfig.json. */
const SOURCE_FILES = ['package-lock.json', 'package.json', 'tsconfig.json', 'cdk.json'];
/**
 * Under infra/ but read by neither the CDK app (infra/app.ts, stack.ts, config.ts, constructs/ import
 * nothing from them) nor the bundles: the local runtime and the OpenAPI generator. Counting them would
 * make every edit of the runtime cost a re-synth that changes nothing.
 */
const NOT_SOURCES = ['infra/local', 'infra/openapi'].map((dir) => join(...dir.split('/')));

/** The newest modification time among the sources, in ms. */
function newestSource(projectRoot: string): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (NOT_SOURCES.includes(relative(projectRoot, path))) return;
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(projectRoot, dir))) visit(join(projectRoot, dir));
  for (const file of SOURCE_FILES)
    if (existsSync(join(projectRoot, file))) newest = Math.max(newest, statSync(join(projectRoot, file)).mtimeMs);
  return newest;
}

/** The template's age against the sources; undefined if the directory holds no readable assembly. */
function templateTime(dir: string): number | undefined {
  try {
    return statSync(templateFileOf(dir)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether `dir` holds an assembly whose template is newer than every source of the project. */
export function isFresh(projectRoot: string, dir: string): boolean {
  const at = templateTime(dir);
  return at !== undefined && at > newestSource(projectRoot);
}

/** Synthesizes the CDK app with bundling into `outdir` (what `cdk synth` does, in this process). */
export async function synthesize(projectRoot: string, outdir: string): Promise<void> {
  // Loaded here, not at the top: source mode never pays for the CDK app's modules.
  const { buildApp } = await import('../../app.ts');
  rmSync(outdir, { recursive: true, force: true }); // no stale assets of an earlier synth
  const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const { app } = buildApp(
    new App({
      outdir,
      context: {
        ...cdkJson.context,
        // What the CDK CLI turns on: asset paths (the bundles) and construct paths (the functions' names).
        'aws:cdk:enable-asset-metadata': true,
        'aws:cdk:enable-path-metadata': true,
      },
    }),
  );
  app.synth();
}

export interface LoadOptions {
  projectRoot: string;
  dataDir: string;
  tableName: string;
  /** Synthesize even if a fresh assembly exists. */
  forceSynth?: boolean;
  /** Run this cloud assembly as it is: no freshness check, no synth (`--assembly <dir>`). */
  assemblyDir?: string;
  log?: (message: string) => void;
}

export async function loadCloudAssembly(options: LoadOptions): Promise<CloudAssembly & { synthesized: boolean; synthMs?: number }> {
  const { projectRoot, dataDir, tableName } = options;
  const log = options.log ?? ((message: string) => console.log(message));
  if (options.assemblyDir) {
    // As `cdk deploy --app <dir>` deploys it: whatever the sources say now, this template and its assets.
    const assembly = readTemplate(options.assemblyDir, { tableName });
    log(`bundle mode: running the cloud assembly ${options.assemblyDir} as it is (--assembly: no freshness check, no synth)`);
    return { ...assembly, synthesized: false };
  }
  const sourcesAt = newestSource(projectRoot);
  const own = join(dataDir, 'cdk.out');
  const candidates = [join(projectRoot, 'cdk.out'), own];
  if (!options.forceSynth) {
    for (const dir of candidates) {
      const at = templateTime(dir);
      if (at === undefined || at <= sourcesAt) continue;
      try {
        const assembly = readTemplate(dir, { tableName });
        log(
          `bundle mode: reusing ${dir.startsWith(projectRoot) ? relative(projectRoot, dir) : dir} (its template is newer than every source)`,
        );
        return { ...assembly, synthesized: false };
      } catch (error) {
        log(`bundle mode: not reusing ${dir}: ${(error as Error).message}`);
      }
    }
  }
  log(`bundle mode: synthesizing the CDK app with bundling into ${own} (no fresh cdk.out) …`);
  const started = performance.now();
  await synthesize(projectRoot, own);
  const synthMs = Math.round(performance.now() - started);
  log(`bundle mode: synthesized in ${(synthMs / 1000).toFixed(1)} s`);
  return { ...readTemplate(own, { tableName }), synthesized: true, synthMs };
}
