/**
 * What `npm start` checks before it opens anything: the JWKS file it is told to trust, a data folder it
 * can write, and that no other local runtime uses that folder. A mistake there would otherwise surface
 * later and far from its cause (every request a 401, a stack trace from leveldb, two runtimes writing
 * one store), so each one stops the start with a single line saying what is wrong and how to fix it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A start-up failure a person can fix: `npm start` prints its message alone (no stack) and exits 1. */
export class StartupError extends Error {}

/** Plain words for the file-system errors a person can cause with a path or its permissions. */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a file is in the way',
  EEXIST: 'a file is in the way',
};

const reason = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  return REASONS[code] ?? code;
};

/**
 * The verifier reads its JWKS file only when the first token arrives, so a wrong path or a broken file
 * would start fine and then refuse every token. Read it now, as the verifier will.
 */
export function checkJwksFile(file: string): void {
  const fix = 'fix it, or set JWT_JWKS_FILE to another file.';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError(`JWT_JWKS_FILE ${file} cannot be read (${reason(error)}): ${fix}`);
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new StartupError(`JWT_JWKS_FILE ${file} is not JSON: ${fix}`);
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  const usable = Array.isArray(keys) ? keys.filter((key) => typeof (key as { kty?: unknown } | null)?.kty === 'string') : [];
  if (usable.length === 0) throw new StartupError(`JWT_JWKS_FILE ${file} has no keys (a JWKS is {"keys": [...]}): ${fix}`);
}

/** Whether a process with this id runs now. EPERM: it does, under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's owner, or undefined when nobody holds it any more (killed, or a pid not a number). */
function liveOwner(lockFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    return undefined; // removed meanwhile by its owner's exit
  }
  // Our own pid in the lock is a previous life of this process id (a container's pid 1 after a kill).
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid) ? pid : undefined;
}

/**
 * Creates DATA_DIR if needed and takes its lock: `runtime.lock` holding this process id, created
 * exclusively (so creating it also proves the folder writable), removed when this process exits. A lock
 * left by a runtime that was killed names a process that no longer runs, and is taken over. Known
 * limits: two runtimes taking over one stale lock in the same instant can both start, and a stale pid
 * since reused by an unrelated process blocks until the lock file is deleted (the message names it).
 */
export function lockDataDir(dataDir: string): void {
  const unwritable = (error: unknown) =>
    new StartupError(`Data folder ${dataDir} cannot be written (${reason(error)}): fix it, or set DATA_DIR to another folder.`);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw unwritable(error);
  }
  const lockFile = join(dataDir, 'runtime.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(error);
      const owner = liveOwner(lockFile);
      if (owner !== undefined) {
        throw new StartupError(
          `Data folder ${dataDir} is in use by another local runtime (pid ${owner} in ${lockFile}): ` +
            'stop it, or set DATA_DIR to another folder.',
        );
      }
      if (attempt > 0) throw unwritable(error);
      try {
        unlinkSync(lockFile);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unwritable(unlinkError);
      }
    }
  }
  process.once('exit', () => {
    // Only our own lock: never one a later runtime took over after this one was presumed dead.
    try {
      if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) unlinkSync(lockFile);
    } catch {
      // already gone
    }
  });
}
