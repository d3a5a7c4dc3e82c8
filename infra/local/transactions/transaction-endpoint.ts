/**
 * The transaction operations DynamoDB has and dynalite lacks, answered by the capture proxy for any
 * caller (SDK, CLI, raw HTTP) as DynamoDB would: JSON bodies, errors in DynamoDB's error format.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { ChangeStream } from '../stream/change-stream.ts';
import type { KeyLocks } from '../stream/key-locks.ts';
import { DynamoError, missingAuthentication, serializationException } from './dynamo-errors.ts';
import { IntentLog } from './intent-log.ts';
import { RequestTokens } from './request-tokens.ts';
import { StoreClient } from './store-client.ts';
import { transactGet } from './transact-get.ts';
import { replayIntents, type TransactionContext, transactWrite } from './transact-write.ts';

export const TRANSACTION_OPERATIONS = new Set(['TransactWriteItems', 'TransactGetItems']);

export class TransactionEndpoint {
  private readonly context: TransactionContext;

  /** With a folder, intents and request tokens are kept there (durable across a restart). */
  constructor(locks: KeyLocks, targetUrl: URL, streamOf: (table: string) => ChangeStream, folder?: string) {
    this.context = {
      locks,
      store: new StoreClient(targetUrl),
      streamOf,
      tokens: new RequestTokens(folder ? join(folder, 'request-tokens.jsonl') : undefined),
      ...(folder ? { intents: new IntentLog(folder) } : {}),
    };
  }

  /** Completes the transactions a kill cut short; call before serving requests. */
  recover(): Promise<number> {
    return replayIntents(this.context);
  }

  async handle(operation: string, headers: IncomingHttpHeaders, body: Buffer) {
    let reply: { status: number; body: unknown };
    try {
      // As dynalite does for every other operation: a SigV4-looking header must be there.
      if (
        !String(headers.authorization ?? '')
          .trim()
          .startsWith('AWS4-')
      )
        throw missingAuthentication();
      const input = parseObject(body);
      const result = operation === 'TransactWriteItems' ? await transactWrite(this.context, input) : await transactGet(this.context, input);
      reply = { status: 200, body: result };
    } catch (error) {
      if (!(error instanceof DynamoError)) throw error;
      reply = { status: error.status, body: error.body };
    }
    const replyHeaders = { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() };
    return { status: reply.status, headers: replyHeaders, body: Buffer.from(JSON.stringify(reply.body)) };
  }
}

function parseObject(body: Buffer): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(body.toString('utf8'));
    if (input && typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  } catch {
    // the same answer as for a body that is JSON but not an object
  }
  throw serializationException();
}
