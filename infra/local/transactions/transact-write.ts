/**
 * TransactWriteItems on the local endpoint, with DynamoDB's documented semantics: up to 100 Put, Update,
 * Delete and ConditionCheck actions on distinct items, applied all together or not at all.
 *
 * Under the per-item locks of every item involved it reads the current images, evaluates EVERY condition
 * and computes every after image (and its size) before the first write, so a cancelled transaction
 * writes nothing and a value anyone reads belongs to a committed one. The intent (before and after
 * images) is made durable before the first write; the after images then go to the store as plain
 * PutItem/DeleteItem, so replaying them after a kill is harmless.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ChangeStream } from '../stream/change-stream.ts';
import { type KeyLocks, keyName } from '../stream/key-locks.ts';
import { canonicalJson } from './canonical-json.ts';
import {
  applyUpdate,
  conditionHolds,
  type Item,
  type Operation,
  sizeError,
  TRANSACT_WRITE_TYPES,
  validateOperation,
  validateRequest,
  WRITE_KINDS,
  type WriteKind,
} from './dynalite-rules.ts';
import { type CancellationReason, transactionCanceled, validationException } from './dynamo-errors.ts';
import { afterTransactionWrite } from './fault.ts';
import type { Intent, IntentLog, IntentWrite } from './intent-log.ts';
import { locateItems } from './locate-items.ts';
import type { RequestTokens } from './request-tokens.ts';
import type { ItemRef, StoreClient } from './store-client.ts';

export interface TransactionContext {
  locks: KeyLocks;
  store: StoreClient;
  streamOf(table: string): ChangeStream;
  tokens: RequestTokens;
  /** Durable intents; without one (an in-memory endpoint) a kill loses the transaction in flight. */
  intents?: IntentLog;
}

interface TransactWriteRequest {
  TransactItems: Partial<Record<WriteKind, Operation>>[];
  ClientRequestToken?: string;
}

interface Action extends ItemRef {
  kind: WriteKind;
  data: Operation;
}

export async function transactWrite(context: TransactionContext, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  // The token stands for the whole request as sent, whatever order its attributes came in.
  const hash = createHash('sha256')
    .update(canonicalJson({ ...input, ClientRequestToken: undefined }))
    .digest('hex');
  const request = validateRequest<TransactWriteRequest>(input, TRANSACT_WRITE_TYPES);
  const operations = request.TransactItems.map((item) => {
    const kinds = WRITE_KINDS.filter((kind) => item[kind] != null);
    if (kinds.length !== 1) throw validationException('TransactItems can only contain one of Check, Put, Update or Delete');
    const [kind] = kinds;
    const data = kind && item[kind];
    if (!kind || !data) throw validationException('TransactItems can only contain one of Check, Put, Update or Delete');
    validateOperation(kind, data);
    return { kind, data };
  });
  const refs = await locateItems(context.store, operations);
  // biome-ignore lint/style/noNonNullAssertion: locateItems answers one ref per operation, in order
  const actions: Action[] = operations.map((operation, i) => ({ ...operation, ...refs[i]! }));

  const token = request.ClientRequestToken;
  if (token !== undefined && context.tokens.begin(token, hash) === 'replay') return {};
  try {
    const unlock = await context.locks.acquire(actions.map(({ table, key }) => keyName(table.TableName, key)));
    try {
      const writes = await plan(actions, await context.store.items(actions));
      const id = randomUUID();
      const intent: Intent = {
        id,
        ...(token !== undefined ? { token: { value: token, hash } } : {}),
        writes: writes.map((write, i) => ({ ...write, eventID: `${id}-${i}` })),
      };
      await commit(context, intent);
    } finally {
      unlock();
    }
  } finally {
    if (token !== undefined) context.tokens.end(token);
  }
  return {};
}

/** Every condition and every after image, before anything is written; TransactionCanceledException if any fails. */
async function plan(actions: Action[], before: (Item | undefined)[]): Promise<Omit<IntentWrite, 'eventID'>[]> {
  const reasons: CancellationReason[] = [];
  const writes: Omit<IntentWrite, 'eventID'>[] = [];
  for (const [i, action] of actions.entries()) {
    const { kind, data, table, key } = action;
    const old = before[i];
    if (!conditionHolds(data, old)) {
      const item = data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {};
      reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...item });
      continue;
    }
    const after = await afterImage(action, old);
    const invalid = typeof after === 'string' ? after : sizeError(kind, after);
    if (invalid !== undefined) {
      reasons.push({ Code: 'ValidationError', Message: invalid });
      continue;
    }
    reasons.push({ Code: 'None' });
    if (kind !== 'ConditionCheck' && typeof after !== 'string') {
      writes.push({ table: table.TableName, key, before: old, after, changed: canonicalJson(old) !== canonicalJson(after) });
    }
  }
  if (reasons.some((reason) => reason.Code !== 'None')) throw transactionCanceled(reasons);
  return writes;
}

/** The item after the action (undefined: absent), or the message of the ValidationError it runs into. */
async function afterImage({ kind, data, table }: Action, old: Item | undefined): Promise<Item | undefined | string> {
  if (kind === 'Update') return applyUpdate(table, data, old);
  return kind === 'Put' ? data.Item : kind === 'Delete' ? undefined : old;
}

/** From the durable intent on, the transaction has committed: apply the after images, then finish. */
async function commit(context: TransactionContext, intent: Intent): Promise<void> {
  context.intents?.write(intent);
  let applied = 0;
  for (const { table, key, after } of intent.writes) {
    try {
      await context.store.write(table, key, after);
    } catch (error) {
      // Not a client error: the transaction stands (its intent is kept) and completes at the next start.
      throw new Error(`transaction ${intent.id} committed but not fully applied: ${String(error)}`);
    }
    afterTransactionWrite(++applied);
  }
  finish(context, intent, false);
}

/**
 * Stream records, token, and the intent's removal. Synchronous, so the stream reader cannot handle (and
 * trim) a record of this transaction before its intent is gone: a replay finds in the stream every
 * record it appended before a kill, and appends only the others.
 */
export function finish(context: TransactionContext, intent: Intent, replay: boolean): void {
  for (const { table, key, before, after, eventID, changed } of intent.writes) {
    const stream = context.streamOf(table);
    if (changed && !(replay && stream.has(eventID))) stream.append(key, before, after, eventID);
  }
  if (intent.token) context.tokens.record(intent.token.value, intent.token.hash);
  context.intents?.remove(intent.id);
}

/** At start, before serving: completes the transactions a kill cut short (their writes, then the rest). */
export async function replayIntents(context: TransactionContext): Promise<number> {
  const pending = context.intents?.pending() ?? [];
  for (const intent of pending) {
    for (const { table, key, after } of intent.writes) await context.store.write(table, key, after);
    finish(context, intent, true);
  }
  return pending.length;
}
