/**
 * The local event source mapping: reads a ChangeStream, keeps the records the shared filter patterns
 * select, batches them, invokes the handler and honours its `batchItemFailures`. A failing batch is
 * retried (bisected when enabled) up to `retryAttempts` times, and records older than
 * `maxRecordAgeSeconds` are not sent to the function at all. For what still fails or aged out, the local
 * dead-letter store (a JSON-lines file) gets the message Lambda sends to an SQS on-failure destination,
 * an operator's log line says so, and the mapping moves on. That message holds the batch's coordinates
 * on the stream (shard, sequence range, arrival times), never the records: on AWS they must be read back
 * from the stream within its 24 hours, so the laptop shows an operator exactly what they will get.
 * One shard, processed in order: records of one key stay in order.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { lambdaContext, timeoutMsOf } from '../lambda-context.ts';
import type { ChangeStream } from './change-stream.ts';
import { anyPatternMatches, type FilterPattern } from './event-filter.ts';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<DynamoDBBatchResponse | undefined>;

/** Why Lambda gave up on records (`requestContext.condition`): retries spent, or older than the maximum record age. */
export type OnFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/**
 * The invocation record Lambda sends to an SQS (or SNS) on-failure destination for a DynamoDB stream
 * batch, as the Lambda developer guide shows it ("Retaining discarded records for a DynamoDB event
 * source in Lambda").
 */
export interface StreamOnFailureRecord {
  requestContext: { requestId: string; functionArn: string; condition: OnFailureCondition; approximateInvokeCount: number };
  /**
   * The last invocation's answer: `functionError` only when it failed as a whole (threw), absent for a
   * partial batch response; the whole context absent for records that aged out before any invocation.
   */
  responseContext?: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    /** Seconds precision, as DynamoDB's ApproximateCreationDateTime: `2019-11-14T00:13:19Z`. */
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** One invocation's answer: where to retry from (undefined: all done), and what the destination is told. */
interface Invocation {
  failedFrom: number | undefined;
  requestId: string;
  functionArn: string;
  threw: boolean;
}

export interface MappingOptions {
  stream: ChangeStream;
  handler: StreamHandler;
  functionName: string;
  /** The CDK stack's settings (CLEANUP_EVENT_SOURCE), or any others a test drives the mapping with. */
  settings: { [K in 'batchSize' | 'maxBatchingWindowSeconds' | 'retryAttempts']: number } & {
    bisectBatchOnError: boolean;
    filterPatterns: readonly FilterPattern[];
    /** Records older than this go to the on-failure destination instead of the function; absent: no limit. */
    maxRecordAgeSeconds?: number;
  };
  deadLetterFile: string;
  /** First retry delay; doubles per retry. Lambda retries at once; a small pause keeps logs readable. */
  retryDelayMs?: number;
  log?: (line: Record<string, unknown>) => void;
  /** The clock records are aged by (ms since the epoch); tests move it instead of waiting hours. */
  now?: () => number;
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

  /**
   * `invokedBefore`: invocations these records were already part of (a bisected half inherits its
   * batch's), and `previous` the last of them.
   */
  private async deliver(batch: DynamoDBRecord[], retriesLeft: number, invokedBefore = 0, previous?: Invocation): Promise<void> {
    // Before each invocation, as Lambda does: records past the maximum age are not sent to the function.
    const aged = this.agedOut(batch);
    if (aged > 0) this.deadLetter(batch.slice(0, aged), 'RecordAgeExceeded', invokedBefore, previous);
    const records = batch.slice(aged);
    if (records.length === 0) return;
    const invocation = await this.invoke(records);
    const invoked = invokedBefore + 1;
    if (invocation.failedFrom === undefined) return;
    const failed = records.slice(invocation.failedFrom);
    if (retriesLeft <= 0) return this.deadLetter(failed, 'RetryAttemptsExhausted', invoked, invocation);
    const attempt = this.options.settings.retryAttempts - retriesLeft + 1;
    await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 50) * 2 ** (attempt - 1)));
    if (this.options.settings.bisectBatchOnError && failed.length > 1) {
      const half = Math.ceil(failed.length / 2);
      await this.deliver(failed.slice(0, half), retriesLeft - 1, invoked, invocation);
      await this.deliver(failed.slice(half), retriesLeft - 1, invoked, invocation);
    } else {
      await this.deliver(failed, retriesLeft - 1, invoked, invocation);
    }
  }

  /** How many records, from the first, are older than the maximum record age (the oldest come first). */
  private agedOut(records: DynamoDBRecord[]): number {
    const maxAgeSeconds = this.options.settings.maxRecordAgeSeconds;
    if (maxAgeSeconds === undefined || maxAgeSeconds < 0) return 0;
    const oldest = (this.options.now ?? Date.now)() / 1000 - maxAgeSeconds;
    const young = records.findIndex((record) => (record.dynamodb?.ApproximateCreationDateTime ?? 0) >= oldest);
    return young === -1 ? records.length : young;
  }

  private async invoke(records: DynamoDBRecord[]): Promise<Invocation> {
    this.invocations++;
    const context = lambdaContext(this.options.functionName, `esm-${this.invocations}`, timeoutMsOf(this.options.functionName));
    const answer = { requestId: context.awsRequestId, functionArn: context.invokedFunctionArn, threw: false };
    try {
      const response = await this.options.handler({ Records: records }, context);
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) return { ...answer, failedFrom: undefined };
      const ids = new Set(failures.map((failure) => failure.itemIdentifier));
      const index = records.findIndex((record) => ids.has(record.dynamodb?.SequenceNumber ?? ''));
      // An identifier that names no record of the batch fails the whole batch, as in Lambda.
      return { ...answer, failedFrom: index === -1 ? 0 : index };
    } catch (error) {
      this.log({ level: 'ERROR', message: 'stream handler failed', function: this.options.functionName, error: String(error) });
      return { ...answer, failedFrom: 0, threw: true };
    }
  }

  /** Sends the batch's coordinates to the on-failure destination (the JSON-lines file), as Lambda does. */
  private deadLetter(records: DynamoDBRecord[], condition: OnFailureCondition, invokeCount: number, last?: Invocation): void {
    const { deadLetterFile, functionName, stream } = this.options;
    // The ARN the function is invoked by (lambda-context.ts), also when no invocation reached it.
    const functionArn = last?.functionArn ?? lambdaContext(functionName, 'none', 0).invokedFunctionArn;
    const message = onFailureRecord(records, { condition, invokeCount, last, functionArn }, stream);
    mkdirSync(dirname(deadLetterFile), { recursive: true });
    appendFileSync(deadLetterFile, `${JSON.stringify(message)}\n`);
    this.deadLettered += records.length;
    const { startSequenceNumber, endSequenceNumber, batchSize } = message.DDBStreamBatchInfo;
    this.log({
      level: 'ERROR',
      message: LOG_MESSAGES[condition],
      function: functionName,
      condition,
      count: batchSize,
      sequence_numbers: records.map((r) => r.dynamodb?.SequenceNumber),
      sequence_range: [startSequenceNumber, endSequenceNumber],
      file: deadLetterFile,
    });
  }

  private log(line: Record<string, unknown>): void {
    (this.options.log ?? ((l) => console.error(JSON.stringify(l))))({ timestamp: new Date().toISOString(), ...line });
  }
}

const LOG_MESSAGES: Record<OnFailureCondition, string> = {
  RetryAttemptsExhausted: 'records sent to the dead-letter store after the last retry',
  RecordAgeExceeded: 'records sent to the dead-letter store: older than the maximum record age',
};

/** DynamoDB's ApproximateCreationDateTime (epoch seconds) as the on-failure record writes it. */
const arrival = (record: DynamoDBRecord) =>
  new Date((record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function onFailureRecord(
  records: DynamoDBRecord[],
  {
    condition,
    invokeCount,
    last,
    functionArn,
  }: { condition: OnFailureCondition; invokeCount: number; last?: Invocation; functionArn: string },
  stream: ChangeStream,
): StreamOnFailureRecord {
  const first = records[0];
  const final = records.at(-1);
  if (!first || !final) throw new Error('an empty batch cannot fail');
  return {
    requestContext: {
      // Records that aged out before any invocation have no invocation to name: a fresh id, as Lambda's own.
      requestId: last?.requestId ?? randomUUID(),
      functionArn,
      condition,
      approximateInvokeCount: invokeCount,
    },
    ...(last
      ? { responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(last.threw ? { functionError: 'Unhandled' as const } : {}) } }
      : {}),
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: stream.shardId,
      startSequenceNumber: first.dynamodb?.SequenceNumber ?? '',
      endSequenceNumber: final.dynamodb?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(final),
      batchSize: records.length,
      streamArn: stream.arn,
    },
  };
}
