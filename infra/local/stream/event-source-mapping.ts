/**
 * The local event source mapping: reads a ChangeStream, keeps the records the shared filter patterns
 * select, batches them, invokes the handler and honours its `batchItemFailures`. A failing batch is
 * retried (bisected when enabled) up to `retryAttempts` times; what still fails is written to the
 * local dead-letter store (a JSON-lines file plus a log line) and the mapping moves on, as Lambda does
 * with an on-failure destination. One shard, processed in order: records of one key stay in order.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { CleanupEventSource } from '../../../shared/cleanup/event-source.ts';
import { lambdaContext } from '../lambda-context.ts';
import type { ChangeStream } from './change-stream.ts';
import { anyPatternMatches, type FilterPattern } from './event-filter.ts';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface MappingOptions {
  stream: ChangeStream;
  handler: StreamHandler;
  functionName: string;
  settings: Pick<CleanupEventSource, 'batchSize' | 'maxBatchingWindowSeconds' | 'retryAttempts' | 'bisectBatchOnError'> & {
    filterPatterns: readonly FilterPattern[];
  };
  deadLetterFile: string;
  /** First retry delay; doubles per retry. Lambda retries at once; a small pause keeps logs readable. */
  retryDelayMs?: number;
  log?: (line: Record<string, unknown>) => void;
}

export class LocalEventSourceMapping {
  /** Handler invocations so far (each call with a batch counts once). */
  invocations = 0;
  deadLettered = 0;
  private position: number;
  private stopped = false;
  private running?: Promise<void>;
  private busy = false;

  constructor(private readonly options: MappingOptions) {
    this.position = 0; // TRIM_HORIZON: the stream is born with the local runtime
  }

  start(): this {
    this.running = this.loop();
    return this;
  }

  /** Stops after handling what is already in the stream (for at most `drainMs`): a clean stop loses nothing. */
  async stop(drainMs = 10_000): Promise<void> {
    const deadline = Date.now() + drainMs;
    while (!this.caughtUp && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.stopped = true;
    await this.running;
  }

  /** True when every record so far has been handled (tests poll this). */
  get caughtUp(): boolean {
    return !this.busy && this.position >= this.options.stream.end;
  }

  private async loop(): Promise<void> {
    const { stream, settings } = this.options;
    while (!this.stopped) {
      const batch = await this.nextBatch();
      if (batch.length === 0) {
        await stream.waitForRecords(200);
        continue;
      }
      this.busy = true;
      try {
        await this.deliver(batch, settings.retryAttempts);
        stream.trim(this.position); // commit: handled, retried or dead-lettered
      } finally {
        this.busy = false;
      }
    }
  }

  /** Filtered records for one batch: waits up to the batching window for a full batch. */
  private async nextBatch(): Promise<DynamoDBRecord[]> {
    const { stream, settings } = this.options;
    const deadline = Date.now() + settings.maxBatchingWindowSeconds * 1000;
    const batch: DynamoDBRecord[] = [];
    for (;;) {
      const { records, next } = stream.read(this.position, settings.batchSize - batch.length);
      this.position = next;
      batch.push(...records.filter((record) => anyPatternMatches(settings.filterPatterns, record)));
      if (batch.length === 0)
        stream.trim(this.position); // only filtered-out records: nothing to handle
      else this.busy = true; // records taken but not yet handled
      if (batch.length >= settings.batchSize || this.stopped) return batch;
      if (batch.length === 0 && this.position >= stream.end) return batch;
      const left = deadline - Date.now();
      if (left <= 0) return batch;
      if (this.position >= stream.end) await stream.waitForRecords(left);
    }
  }

  private async deliver(records: DynamoDBRecord[], retriesLeft: number): Promise<void> {
    const failedFrom = await this.invoke(records);
    if (failedFrom === undefined) return;
    const failed = records.slice(failedFrom);
    if (retriesLeft <= 0) return this.deadLetter(failed);
    const attempt = this.options.settings.retryAttempts - retriesLeft + 1;
    await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 50) * 2 ** (attempt - 1)));
    if (this.options.settings.bisectBatchOnError && failed.length > 1) {
      const half = Math.ceil(failed.length / 2);
      await this.deliver(failed.slice(0, half), retriesLeft - 1);
      await this.deliver(failed.slice(half), retriesLeft - 1);
    } else {
      await this.deliver(failed, retriesLeft - 1);
    }
  }

  /** Index of the first record to retry, or undefined when the whole batch succeeded. */
  private async invoke(records: DynamoDBRecord[]): Promise<number | undefined> {
    this.invocations++;
    const context = lambdaContext(this.options.functionName, `esm-${this.invocations}`, 300_000);
    try {
      const response = await this.options.handler({ Records: records }, context);
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) return undefined;
      const ids = new Set(failures.map((failure) => failure.itemIdentifier));
      const index = records.findIndex((record) => ids.has(record.dynamodb?.SequenceNumber ?? ''));
      // An identifier that names no record of the batch fails the whole batch, as in Lambda.
      return index === -1 ? 0 : index;
    } catch (error) {
      this.log({ level: 'ERROR', message: 'stream handler failed', function: this.options.functionName, error: String(error) });
      return 0;
    }
  }

  private deadLetter(records: DynamoDBRecord[]): void {
    const { deadLetterFile, functionName } = this.options;
    mkdirSync(dirname(deadLetterFile), { recursive: true });
    appendFileSync(deadLetterFile, `${JSON.stringify({ function: functionName, failed_at: new Date().toISOString(), records })}\n`);
    this.deadLettered += records.length;
    this.log({
      level: 'ERROR',
      message: 'records sent to the dead-letter store after the last retry',
      function: functionName,
      count: records.length,
      sequence_numbers: records.map((r) => r.dynamodb?.SequenceNumber),
      file: deadLetterFile,
    });
  }

  private log(line: Record<string, unknown>): void {
    (this.options.log ?? ((l) => console.error(JSON.stringify(l))))({ timestamp: new Date().toISOString(), ...line });
  }
}
