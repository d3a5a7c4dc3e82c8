/**
 * BatchWriteItem in chunks of 25 (the API's limit), retrying UnprocessedItems with capped exponential
 * backoff and full jitter. Throws when items are still unprocessed after the last attempt, so a
 * caller never believes a partial write succeeded.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type WriteRequest = NonNullable<NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string]>[number];

export const BATCH_SIZE = 25;
const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 25;
const MAX_DELAY_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BatchWriteStats {
  calls: number;
}

export async function batchWrite(
  db: DynamoDBDocumentClient,
  table: string,
  requests: WriteRequest[],
  stats: BatchWriteStats = { calls: 0 },
): Promise<BatchWriteStats> {
  for (let start = 0; start < requests.length; start += BATCH_SIZE) {
    let pending = requests.slice(start, start + BATCH_SIZE);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
      if (attempt > 1) {
        const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 2));
        await sleep(Math.random() * cap);
      }
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      stats.calls++;
      pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  }
  return stats;
}
