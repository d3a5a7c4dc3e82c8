/**
 * The capture layer in front of dynalite: a DynamoDB endpoint that forwards every request unchanged and,
 * for each write that succeeds, appends a stream record with the item's old and new images. So every
 * writer (the handlers, the tests, `aws dynamodb … --endpoint-url`) produces the records DynamoDB
 * Streams would, and the handlers cannot tell they run locally.
 *
 * Writes to the same item are serialised here, so the images of a record are exactly the item before
 * and after that write, and records of one item are in write order.
 *
 * It also answers what dynalite lacks, TransactWriteItems and TransactGetItems (../transactions), under
 * the same per-item locks; this file only dispatches.
 *
 * With an IAM enforcer (../iam), every request is authorized first, before any lock or write: a denied
 * one is answered with DynamoDB's AccessDeniedException and nothing of it is applied.
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { type AttributeValue, BatchGetItemCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IamEnforcer } from '../iam/enforcer.ts';
import { TRANSACTION_OPERATIONS, TransactionEndpoint } from '../transactions/transaction-endpoint.ts';
import { ChangeStream, type Image } from './change-stream.ts';
import { KeyLocks, keyName } from './key-locks.ts';

type Item = Record<string, AttributeValue>;
interface Target {
  table: string;
  key: Item;
}

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export class CaptureProxy {
  private readonly streams = new Map<string, ChangeStream>();
  private readonly keySchemas = new Map<string, string[]>();
  private readonly locks = new KeyLocks();
  private readonly transactions: TransactionEndpoint;
  private readonly counts: Record<string, number> = {};

  constructor(
    private readonly targetUrl: URL,
    /** Reads images straight from dynalite, not through this proxy. */
    private readonly client: DynamoDBClient,
    /** Where the streams are kept (durable); in memory without one. */
    private readonly streamFolder?: string,
    /** Where transaction intents and request tokens are kept (durable); in memory without one. */
    transactionFolder?: string,
    /** IAM on this endpoint; without one, every caller may do everything (source mode). */
    private readonly iam?: IamEnforcer,
  ) {
    this.transactions = new TransactionEndpoint(this.locks, targetUrl, (table) => this.streamOf(table), transactionFolder);
  }

  /** Completes the transactions a kill cut short (their writes and stream records); call before serving. */
  recover(): Promise<number> {
    return this.transactions.recover();
  }

  /**
   * Requests received per operation (x-amz-target), minus those of an earlier snapshot: how many
   * DynamoDB requests an API call made is `requestCounts(before)` with `before = requestCounts()`.
   */
  requestCounts(since: Record<string, number> = {}): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.counts)
        .map(([operation, n]) => [operation, n - (since[operation] ?? 0)] as const)
        .filter(([, n]) => n !== 0),
    );
  }

  streamOf(table: string): ChangeStream {
    let stream = this.streams.get(table);
    if (!stream) {
      stream = new ChangeStream(table, this.streamFolder);
      this.streams.set(table, stream);
    }
    return stream;
  }

  createServer(): Server {
    return createServer((req, res) => {
      this.handle(req)
        .then(({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'Content-Type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) }));
        });
    });
  }

  private async handle(req: IncomingMessage) {
    const body = await readAll(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    this.counts[operation] = (this.counts[operation] ?? 0) + 1;
    const denied = this.iam?.authorize(req.headers.authorization, operation, body);
    if (denied) return denied;
    if (TRANSACTION_OPERATIONS.has(operation)) return this.transactions.handle(operation, req.headers, body);
    if (operation === 'GetItem') return this.getItem(req, body);
    if (!WRITE_OPERATIONS.has(operation)) return this.forward(req, body);

    let targets: Target[];
    try {
      targets = await this.targetsOf(operation, JSON.parse(body.toString('utf8')));
    } catch {
      // Malformed JSON, an unknown table…: nothing can change, so let dynalite give its own error.
      return this.forward(req, body);
    }
    const unlock = await this.locks.acquire(targets.map((t) => keyName(t.table, t.key)));
    try {
      let before: (Image | undefined)[];
      try {
        before = await this.images(targets);
      } catch (error) {
        // A key dynalite will not read (over DynamoDB's size limits, of the wrong type…) it will not write
        // either: nothing can change, so the caller gets dynalite's own 400, not a 500 its SDK retries.
        if ((error as Error).name === 'ValidationException') return await this.forward(req, body);
        throw error;
      }
      const response = await this.forward(req, body);
      if (response.status === 200) {
        const after = await this.images(targets);
        targets.forEach((target, i) => {
          this.streamOf(target.table).append(target.key, before[i], after[i]);
        });
      }
      return response;
    } finally {
      unlock();
    }
  }

  /**
   * GetItem under the item's lock: serializable with transactions, as in DynamoDB. A transaction holds
   * all its items' locks until its last write, so once a GetItem saw one of its items, later ones see
   * the rest. (BatchGetItem, Query and Scan take no lock: read-committed per item.)
   */
  private async getItem(req: IncomingMessage, body: Buffer) {
    let name: string;
    try {
      const input = JSON.parse(body.toString('utf8')) as { TableName: unknown; Key: Item };
      name = keyName(String(input.TableName), input.Key);
    } catch {
      return this.forward(req, body); // not a request that can name an item: dynalite gives its error
    }
    const unlock = await this.locks.acquire([name]);
    try {
      return await this.forward(req, body);
    } finally {
      unlock();
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: a write request of any shape, as the client sent it; dynalite validates it
  private async targetsOf(operation: string, input: Record<string, any>): Promise<Target[]> {
    if (operation === 'BatchWriteItem') {
      const targets: Target[] = [];
      // biome-ignore lint/suspicious/noExplicitAny: BatchWriteItem requests as sent, validated by dynalite
      for (const [table, requests] of Object.entries(input.RequestItems ?? {}) as [string, any[]][]) {
        for (const r of requests) {
          targets.push({ table, key: r.DeleteRequest?.Key ?? (await this.keyOf(table, r.PutRequest?.Item ?? {})) });
        }
      }
      return targets;
    }
    const table = String(input.TableName);
    return [{ table, key: input.Key ?? (await this.keyOf(table, input.Item ?? {})) }];
  }

  private async keyOf(table: string, item: Item): Promise<Item> {
    let names = this.keySchemas.get(table);
    if (!names) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: table }));
      names = (Table?.KeySchema ?? []).map((k) => String(k.AttributeName));
      this.keySchemas.set(table, names);
    }
    return Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n] as AttributeValue]));
  }

  /** Current images of the targets (undefined where absent), in BatchGetItem calls of up to 100 keys. */
  private async images(targets: Target[]): Promise<(Image | undefined)[]> {
    const found = new Map<string, Image>();
    for (let i = 0; i < targets.length; i += 100) {
      const slice = targets.slice(i, i + 100);
      let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {};
      for (const { table, key } of slice) {
        const entry = request[table] ?? { Keys: [], ConsistentRead: true };
        request[table] = entry;
        if (!entry.Keys.some((k) => keyName(table, k) === keyName(table, key))) entry.Keys.push(key);
      }
      while (Object.keys(request).length) {
        const result = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const [table, items] of Object.entries(result.Responses ?? {})) {
          if (!this.keySchemas.has(table)) await this.keyOf(table, {});
          const names = this.keySchemas.get(table) ?? [];
          for (const item of items) found.set(keyName(table, Object.fromEntries(names.map((n) => [n, item[n] as AttributeValue]))), item);
        }
        request = (result.UnprocessedKeys ?? {}) as typeof request;
      }
    }
    return targets.map(({ table, key }) => found.get(keyName(table, key)));
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: this.targetUrl.hostname,
          port: this.targetUrl.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.targetUrl.host },
        },
        async (response) => {
          try {
            const headers = Object.fromEntries(
              Object.entries(response.headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined),
            );
            resolve({ status: response.statusCode ?? 500, headers, body: await readAll(response) });
          } catch (error) {
            reject(error);
          }
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
