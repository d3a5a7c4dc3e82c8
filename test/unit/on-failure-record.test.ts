/**
 * What the local dead-letter store receives when a stream batch fails past its retries: the message
 * Lambda sends to an SQS on-failure destination for a DynamoDB stream source, i.e. the batch's
 * coordinates (shard, sequence range, arrival times, size) and never its records. The local change
 * stream (in memory) and the local event source mapping, with a handler that fails on purpose.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ChangeStream } from '../../infra/local/stream/change-stream.ts';
import { LocalEventSourceMapping } from '../../infra/local/stream/event-source-mapping.ts';
import { readDeadLetters, settled } from '../fixtures/cleanup-mapping.ts';

const SECONDS_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function failingMapping(
  stream: ChangeStream,
  answer: (records: DynamoDBRecord[]) => Promise<unknown>,
  options: { maxRecordAgeSeconds?: number; now?: () => number } = {},
) {
  const deadLetterFile = join(mkdtempSync(join(tmpdir(), 'on-failure-')), 'worker.jsonl');
  const logged: Record<string, unknown>[] = [];
  const seen: DynamoDBRecord[][] = [];
  const mapping = new LocalEventSourceMapping({
    stream,
    functionName: 'worker',
    settings: {
      filterPatterns: [{ eventName: ['INSERT'] }],
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 2,
      bisectBatchOnError: false,
      maxRecordAgeSeconds: options.maxRecordAgeSeconds,
    },
    now: options.now,
    deadLetterFile,
    retryDelayMs: 1,
    log: (line) => logged.push(line),
    handler: async (event) => {
      seen.push(event.Records);
      return (await answer(event.Records)) as never;
    },
  });
  return { mapping, deadLetterFile, logged, seen };
}

const put = (stream: ChangeStream, id: string) =>
  stream.append({ PK: { S: id } }, undefined, { PK: { S: id }, secret: { S: `payload-of-${id}` } });

describe('the on-failure record of a stream batch', () => {
  it('a handler that throws: one record for the batch, its sequence range, functionError Unhandled', async () => {
    const stream = new ChangeStream('orders');
    for (const id of ['a', 'b', 'c']) put(stream, id);
    const { mapping, deadLetterFile, logged, seen } = failingMapping(stream, async () => {
      throw new Error('boom');
    });
    mapping.start();
    await settled(mapping);
    await mapping.stop();

    expect(seen.map((batch) => batch.length)).toEqual([3, 3, 3]); // the first invocation and 2 retries
    const [first, , last] = seen[0]!;
    expect(first?.dynamodb?.SequenceNumber).toBe('000000000000000000001');
    expect(last?.dynamodb?.SequenceNumber).toBe('000000000000000000003');
    expect(readDeadLetters(deadLetterFile)).toEqual([
      {
        requestContext: {
          requestId: 'esm-3',
          functionArn: 'arn:aws:lambda:local:000000000000:function:worker',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.stringMatching(/Z$/),
        DDBStreamBatchInfo: {
          shardId: 'shardId-00000000000000000000-00000000',
          startSequenceNumber: '000000000000000000001',
          endSequenceNumber: '000000000000000000003',
          approximateArrivalOfFirstRecord: expect.stringMatching(SECONDS_ISO),
          approximateArrivalOfLastRecord: expect.stringMatching(SECONDS_ISO),
          batchSize: 3,
          streamArn: 'arn:aws:dynamodb:local:000000000000:table/orders/stream/local',
        },
      },
    ]);
    const [message] = readDeadLetters(deadLetterFile);
    expect(Date.parse(message!.DDBStreamBatchInfo.approximateArrivalOfFirstRecord) / 1000).toBe(
      first?.dynamodb?.ApproximateCreationDateTime,
    );
    // Coordinates only: no key, no image of any record.
    const text = readFileSync(deadLetterFile, 'utf8');
    for (const id of ['a', 'b', 'c']) expect(text).not.toContain(`payload-of-${id}`);
    expect(text).not.toContain('Records');
    // The operator's log line.
    expect(logged.filter((line) => line.message === 'records sent to the dead-letter store after the last retry')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        function: 'worker',
        condition: 'RetryAttemptsExhausted',
        count: 3,
        sequence_range: ['000000000000000000001', '000000000000000000003'],
        file: deadLetterFile,
      }),
    ]);
  });

  it('a partial batch response: the failed record onwards, without functionError', async () => {
    const stream = new ChangeStream('orders');
    for (const id of ['a', 'b', 'c', 'd']) put(stream, id);
    const { mapping, deadLetterFile } = failingMapping(stream, async (records) => ({
      batchItemFailures: records
        .filter((r) => r.dynamodb?.Keys?.PK?.S === 'b')
        .map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })),
    }));
    mapping.start();
    await settled(mapping);
    await mapping.stop();
    const dead = readDeadLetters(deadLetterFile);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(dead[0]?.requestContext.approximateInvokeCount).toBe(3);
    expect(dead[0]?.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: '000000000000000000002',
      endSequenceNumber: '000000000000000000004',
      batchSize: 3,
    });
  });

  it('records older than the maximum record age never reach the function: RecordAgeExceeded, no responseContext', async () => {
    const stream = new ChangeStream('orders');
    for (const id of ['a', 'b', 'c']) put(stream, id);
    const twoHoursOn = () => Date.now() + 2 * 60 * 60 * 1000;
    const { mapping, deadLetterFile, logged, seen } = failingMapping(stream, async () => ({}), {
      maxRecordAgeSeconds: 3600,
      now: twoHoursOn,
    });
    mapping.start();
    await settled(mapping);
    await mapping.stop();
    expect(seen).toEqual([]);
    expect(readDeadLetters(deadLetterFile)).toEqual([
      {
        requestContext: {
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          functionArn: 'arn:aws:lambda:local:000000000000:function:worker',
          condition: 'RecordAgeExceeded',
          approximateInvokeCount: 0,
        },
        version: '1.0',
        timestamp: expect.stringMatching(/Z$/),
        DDBStreamBatchInfo: expect.objectContaining({
          startSequenceNumber: '000000000000000000001',
          endSequenceNumber: '000000000000000000003',
          batchSize: 3,
        }),
      },
    ]);
    expect(logged.map((line) => [line.message, line.condition])).toEqual([
      ['records sent to the dead-letter store: older than the maximum record age', 'RecordAgeExceeded'],
    ]);
  });

  it('a batch that ages out between retries names its last invocation', async () => {
    const stream = new ChangeStream('orders');
    for (const id of ['a', 'b']) put(stream, id);
    let shift = 0;
    const { mapping, deadLetterFile, seen } = failingMapping(
      stream,
      async () => {
        shift = 2 * 60 * 60 * 1000; // the first invocation fails; by its retry the records are two hours old
        throw new Error('boom');
      },
      { maxRecordAgeSeconds: 3600, now: () => Date.now() + shift },
    );
    mapping.start();
    await settled(mapping);
    await mapping.stop();
    expect(seen).toHaveLength(1);
    const [message] = readDeadLetters(deadLetterFile);
    expect(message?.requestContext).toEqual({
      requestId: 'esm-1',
      functionArn: 'arn:aws:lambda:local:000000000000:function:worker',
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 1,
    });
    expect(message?.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    expect(message?.DDBStreamBatchInfo.batchSize).toBe(2);
  });
});
