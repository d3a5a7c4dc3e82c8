/**
 * The local change stream of one table, in the shape of DynamoDB Streams with NEW_AND_OLD_IMAGES.
 * One ordered list (a single shard), so the order of records per item key is the order of the writes.
 *
 * With a folder, the stream is durable: each record is appended to `<table>.jsonl` as it is made, and
 * the reader's commits (`trim`) go to `<table>.checkpoint`. A runtime killed mid-way reloads what was
 * not yet handled and delivers it again (at least once). The log is emptied whenever the reader has
 * caught up, so it stays small.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';

interface Checkpoint {
  /** Sequence number of the last record the reader finished with. */
  handled: string;
  /** Last sequence number handed out: numbers never repeat, even after the log is emptied. */
  issued: string;
}

export type Image = Record<string, unknown>;

export class ChangeStream {
  readonly arn: string;
  /** The one shard's id, stable across restarts (an on-failure record names it beside the sequence range). */
  readonly shardId = 'shardId-00000000000000000000-00000000';
  private records: DynamoDBRecord[] = [];
  /** Position (across trims) of records[0]. */
  private offset = 0;
  private sequence = 0n;
  private waiters: (() => void)[] = [];
  private readonly files?: { log: string; checkpoint: string };

  constructor(tableName: string, folder?: string) {
    this.arn = `arn:aws:dynamodb:local:000000000000:table/${tableName}/stream/local`;
    if (!folder) return;
    mkdirSync(folder, { recursive: true });
    const base = join(folder, encodeURIComponent(tableName));
    this.files = { log: `${base}.jsonl`, checkpoint: `${base}.checkpoint` };
    this.reload();
  }

  private reload(): void {
    if (!this.files) return;
    const { log, checkpoint } = this.files;
    const saved: Checkpoint = existsSync(checkpoint)
      ? (JSON.parse(readFileSync(checkpoint, 'utf8')) as Checkpoint)
      : { handled: '0', issued: '0' };
    const handled = BigInt(saved.handled);
    this.sequence = BigInt(saved.issued);
    if (!existsSync(log)) return;
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      if (!line) continue;
      let record: DynamoDBRecord;
      try {
        record = JSON.parse(line) as DynamoDBRecord;
      } catch {
        continue; // a line cut short by a kill: its write's record is lost, as the docs say
      }
      const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
      if (sequence > this.sequence) this.sequence = sequence;
      if (sequence > handled) this.records.push(record);
    }
  }

  /**
   * Appends the record of one changed item; nothing when the item did not change. A transaction gives
   * its own eventID (fixed in its intent), so a replay after a kill can tell the records already here.
   */
  append(keys: Image, oldImage: Image | undefined, newImage: Image | undefined, eventID: string = randomUUID()): void {
    const eventName = !oldImage ? (newImage ? 'INSERT' : undefined) : newImage ? 'MODIFY' : 'REMOVE';
    if (!eventName || (eventName === 'MODIFY' && JSON.stringify(oldImage) === JSON.stringify(newImage))) return;
    this.sequence += 1n;
    const record: DynamoDBRecord = {
      eventID,
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: keys as never,
        ...(newImage ? { NewImage: newImage as never } : {}),
        ...(oldImage ? { OldImage: oldImage as never } : {}),
        SequenceNumber: this.sequence.toString().padStart(21, '0'),
        SizeBytes: JSON.stringify([keys, oldImage, newImage]).length,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: this.arn,
    };
    this.records.push(record);
    if (this.files) appendFileSync(this.files.log, `${JSON.stringify(record)}\n`);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Whether a record not yet trimmed has this eventID. */
  has(eventID: string): boolean {
    return this.records.some((record) => record.eventID === eventID);
  }

  /** Records from `position` on (at most `max`), and the position after them. */
  read(position: number, max: number): { records: DynamoDBRecord[]; next: number } {
    const start = Math.max(0, position - this.offset);
    const records = this.records.slice(start, start + max);
    return { records, next: this.offset + start + records.length };
  }

  get end(): number {
    return this.offset + this.records.length;
  }

  /** Resolves when a record is appended (or after `ms`). */
  waitForRecords(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      // On time-out the waiter leaves the list, so an idle reader does not pile them up.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        resolve();
      }, ms);
      this.waiters.push(wake);
    });
  }

  /** Drops records before `position`: the (single) reader is done with them (its commit). */
  trim(position: number): void {
    const count = Math.min(this.records.length, position - this.offset);
    if (count <= 0) return;
    const last = this.records[count - 1]?.dynamodb?.SequenceNumber ?? '0';
    this.records.splice(0, count);
    this.offset += count;
    if (!this.files) return;
    const checkpoint: Checkpoint = { handled: last, issued: this.sequence.toString() };
    writeFileSync(this.files.checkpoint, JSON.stringify(checkpoint));
    if (this.records.length === 0) writeFileSync(this.files.log, '');
  }
}
