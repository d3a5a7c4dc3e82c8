/**
 * Plain JSON calls from the transaction code to the proxy's target (dynalite, or in tests another proxy).
 * No SDK on purpose: attribute values stay in DynamoDB's JSON (binary as base64 strings), which is what
 * dynalite's condition and update code compares and what a stream record carries.
 */

import { keyName } from '../stream/key-locks.ts';
import { type Item, keyOf, type Table } from './dynalite-rules.ts';
import { DynamoError } from './dynamo-errors.ts';

// dynalite checks that a SigV4 header is there, not what it says.
const HEADERS = {
  'content-type': 'application/x-amz-json-1.0',
  authorization: 'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
  'x-amz-date': '20000101T000000Z',
};

export interface ItemRef {
  table: Table;
  key: Item;
}

export class StoreClient {
  private readonly tables = new Map<string, Table>();

  constructor(private readonly url: URL) {}

  async call<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { ...HEADERS, 'x-amz-target': `DynamoDB_20120810.${operation}` },
      body: JSON.stringify(input),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status !== 200) throw new DynamoError(body, response.status);
    return body as T;
  }

  /** The table's description (cached, as its key schema never changes); ResourceNotFoundException if it does not exist. */
  async table(name: string): Promise<Table> {
    let table = this.tables.get(name);
    if (!table) {
      table = (await this.call<{ Table: Table }>('DescribeTable', { TableName: name })).Table;
      this.tables.set(name, table);
    }
    return table;
  }

  /** The current items (undefined where absent), read consistently, 100 keys a call. */
  async items(refs: ItemRef[]): Promise<(Item | undefined)[]> {
    const found = new Map<string, Item>();
    for (let i = 0; i < refs.length; i += 100) {
      let request: Record<string, { Keys: Item[]; ConsistentRead: true }> = {};
      for (const { table, key } of refs.slice(i, i + 100)) {
        const entry = request[table.TableName] ?? { Keys: [], ConsistentRead: true };
        request[table.TableName] = entry;
        entry.Keys.push(key);
      }
      while (Object.keys(request).length) {
        type Result = { Responses?: Record<string, Item[]>; UnprocessedKeys?: typeof request };
        const { Responses = {}, UnprocessedKeys = {} } = await this.call<Result>('BatchGetItem', { RequestItems: request });
        for (const [name, items] of Object.entries(Responses)) {
          const table = await this.table(name);
          for (const item of items) found.set(keyName(name, keyOf(table, item)), item);
        }
        request = UnprocessedKeys;
      }
    }
    return refs.map(({ table, key }) => found.get(keyName(table.TableName, key)));
  }

  /** Makes the item `after` (absent when undefined): a plain PutItem or DeleteItem, so doing it twice is harmless. */
  async write(table: string, key: Item, after: Item | undefined): Promise<void> {
    if (after) await this.call('PutItem', { TableName: table, Item: after });
    else await this.call('DeleteItem', { TableName: table, Key: key });
  }
}
