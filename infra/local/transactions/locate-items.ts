/**
 * The items a transaction's operations point at, checked as DynamoDB checks them before anything runs:
 * the table exists (ResourceNotFoundException), the key fits its key schema, and no item is named twice.
 */
import { keyName } from '../stream/key-locks.ts';
import { keyError, keyOf, type Operation, type WriteKind } from './dynalite-rules.ts';
import { validationException } from './dynamo-errors.ts';
import type { ItemRef, StoreClient } from './store-client.ts';

export async function locateItems(store: StoreClient, operations: { kind: WriteKind | 'Get'; data: Operation }[]): Promise<ItemRef[]> {
  const refs: ItemRef[] = [];
  for (const { kind, data } of operations) {
    const table = await store.table(data.TableName);
    const error = keyError(kind, data, table);
    if (error) throw error;
    refs.push({ table, key: keyOf(table, (kind === 'Put' ? data.Item : data.Key) ?? {}) });
  }
  const names = new Set(refs.map(({ table, key }) => keyName(table.TableName, key)));
  if (names.size !== refs.length) throw validationException('Transaction request cannot include multiple operations on one item');
  return refs;
}
