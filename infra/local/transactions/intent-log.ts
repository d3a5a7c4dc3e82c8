/**
 * The intent log of the local transactions: one file per transaction in flight, written (and fsynced)
 * before its first write and removed once its writes and stream records are done. A transaction is
 * committed the moment its intent is on disk; a runtime killed mid-way replays what is left at start,
 * so a transaction is there in full or not at all.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Item } from './dynalite-rules.ts';

export interface IntentWrite {
  table: string;
  key: Item;
  before?: Item;
  after?: Item;
  /** The stream record's eventID, fixed in advance so a replay can tell whether it was appended. */
  eventID: string;
  /** False for a write that leaves the item as it was: it gets no stream record. */
  changed: boolean;
}

export interface Intent {
  id: string;
  token?: { value: string; hash: string };
  writes: IntentWrite[];
}

const SUFFIX = '.intent.json';

function writeDurably(file: string, text: string): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class IntentLog {
  constructor(private readonly folder: string) {
    mkdirSync(folder, { recursive: true });
  }

  private fileOf(id: string): string {
    return join(this.folder, `${id}${SUFFIX}`);
  }

  /** Durable on return. Written aside and renamed, so a kill mid-write leaves no half intent (and no write was made yet). */
  write(intent: Intent): void {
    const file = this.fileOf(intent.id);
    writeDurably(`${file}.tmp`, JSON.stringify(intent));
    renameSync(`${file}.tmp`, file);
    try {
      const folder = openSync(this.folder, 'r');
      fsyncSync(folder); // the rename itself survives a power cut too
      closeSync(folder);
    } catch {
      // Not every platform can fsync a directory; the file's own fsync still holds.
    }
  }

  remove(id: string): void {
    rmSync(this.fileOf(id), { force: true });
  }

  /** The intents left by a runtime that stopped mid-transaction; leftovers of an unfinished write are dropped. */
  pending(): Intent[] {
    const names = readdirSync(this.folder);
    for (const name of names.filter((n) => n.endsWith(`${SUFFIX}.tmp`))) rmSync(join(this.folder, name), { force: true });
    return names.filter((n) => n.endsWith(SUFFIX)).map((n) => JSON.parse(readFileSync(join(this.folder, n), 'utf8')) as Intent);
  }
}
