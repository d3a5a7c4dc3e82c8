/**
 * TransactGetItems on the local endpoint: up to 100 Gets on distinct items, read together under the same
 * per-item locks a transaction writes under, so they never see half of a TransactWriteItems.
 * `Responses` are in request order, `{}` for a missing item, projected with dynalite's projection code.
 */
import { type KeyLocks, keyName } from '../stream/key-locks.ts';
import { type Operation, project, TRANSACT_GET_TYPES, validateOperation, validateRequest } from './dynalite-rules.ts';
import { locateItems } from './locate-items.ts';
import type { StoreClient } from './store-client.ts';

export async function transactGet(context: { locks: KeyLocks; store: StoreClient }, input: Record<string, unknown>) {
  const request = validateRequest<{ TransactItems: { Get: Operation }[] }>(input, TRANSACT_GET_TYPES);
  const operations = request.TransactItems.map(({ Get: data }) => {
    validateOperation('Get', data);
    return { kind: 'Get' as const, data };
  });
  const refs = await locateItems(context.store, operations);
  const unlock = await context.locks.acquire(refs.map(({ table, key }) => keyName(table.TableName, key)));
  try {
    const items = await context.store.items(refs);
    // biome-ignore lint/style/noNonNullAssertion: one item per operation, in order
    return { Responses: items.map((item, i) => (item ? { Item: project(operations[i]!.data, item) } : {})) };
  } finally {
    unlock();
  }
}
