/**
 * The local change stream of one table, in the shape of DynamoDB Streams with NEW_AND_OLD_IMAGES.
 * One ordered list (a single shard), so the order of records per item key is the order of the writes.
 * Records stay in memory until every reader has moved past them.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';

export type Image = Record<string, unknown>;

export class ChangeStream {
  readonly arn: string;
  private records: DynamoDBRecord[] = [];
  /** Position (across trims) of records[0]. */
  private offset = 0;
  private sequence = 0n;
  private waiters: (() => void)[] = [];

  constructor(tableName: string) {
    this.arn = `arn:aws:dynamodb:local:000000000000:table/${tableName}/stream/local`;
  }

  /** Appends the record of one changed item; nothing when the item did not change. */
  append(keys: Image, oldImage: Image | undefined, newImage: Image | undefined): void {
    const eventName = !oldImage ? (newImage ? 'INSERT' : undefined) : newImage ? 'MODIFY' : 'REMOVE';
    if (!eventName || (eventName === 'MODIFY' && JSON.stringify(oldImage) === JSON.stringify(newImage))) return;
    this.sequence += 1n;
    this.records.push({
      eventID: randomUUID(),
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
    });
    for (const wake of this.waiters.splice(0)) wake();
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

  /** Drops records before `position`: the (single) reader is done with them. */
  trim(position: number): void {
    const count = Math.min(this.records.length, position - this.offset);
    if (count <= 0) return;
    this.records.splice(0, count);
    this.offset += count;
  }
}
