/**
 * The cloud assembly bundle mode runs: a fresh one if there is one (the project's `cdk.out` from
 * `npm run synth`, or the one the last bundle-mode start synthesized into DATA_DIR), else a new synth of
 * the CDK app, with bundling, into DATA_DIR/cdk.out. Fresh means its template is newer than every
 * source the bundles and the template come from. A log line says which happened.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App } from 'aws-cdk-lib';
import { type CloudAssembly, readTemplate, templateFileOf } from './template.ts';

const SOURCE_DIRS = ['functions', 'shared', 'infra'];
const SOURCE_FILES = ['package-lock.json', 'cdk.json'];

/** The newest modification time among the sources, in ms. */
function newestSource(projectRoot: string): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
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
  log?: (message: string) => void;
}

export async function loadCloudAssembly(options: LoadOptions): Promise<CloudAssembly & { synthesized: boolean; synthMs?: number }> {
  const { projectRoot, dataDir, tableName } = options;
  const log = options.log ?? ((message: string) => console.log(message));
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
