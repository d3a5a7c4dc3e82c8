/**
 * One TransactWriteItems, with each action named for what it guards. DynamoDB answers a failed
 * condition with `CancellationReasons` in action order; this turns them back into the names, so the
 * service can say which rule broke (a taken subdomain, a stale version) without knowing the wire format.
 */
import { type DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

export type WriteAction = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's own limit on the actions of one transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** An action and the name of the condition it carries (undefined for an unconditional write). */
export interface NamedAction<Name extends string> {
  name?: Name;
  action: WriteAction;
}

/** The transaction was cancelled because these conditions did not hold; nothing was written. */
export class ConditionsFailed<Name extends string = string> extends Error {
  constructor(readonly failed: ReadonlySet<Name>) {
    super(`Transaction conditions failed: ${[...failed].join(', ')}`);
    this.name = 'ConditionsFailed';
  }
}

/**
 * Another transaction held one of the items (DynamoDB's `TransactionConflict` reason): nothing was
 * written and the same request may simply be sent again.
 */
export class TransactionContention extends Error {
  constructor() {
    super('Transaction cancelled by a concurrent transaction on the same items');
    this.name = 'TransactionContention';
  }
}

interface CancelledError extends Error {
  CancellationReasons?: { Code?: string }[];
}

/** Sends the actions as one transaction. The SDK adds a ClientRequestToken, so its own retries apply once. */
export async function transactWrite<Name extends string>(db: DynamoDBDocumentClient, actions: readonly NamedAction<Name>[]): Promise<void> {
  if (actions.length > MAX_TRANSACTION_ACTIONS) throw new Error(`A transaction holds at most ${MAX_TRANSACTION_ACTIONS} actions`);
  try {
    await db.send(new TransactWriteCommand({ TransactItems: actions.map((named) => named.action) }));
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
    const reasons = (error as CancelledError).CancellationReasons ?? [];
    const failed = new Set<Name>();
    reasons.forEach((reason, index) => {
      const name = actions[index]?.name;
      if (reason.Code === 'ConditionalCheckFailed' && name !== undefined) failed.add(name);
    });
    if (failed.size > 0) throw new ConditionsFailed(failed);
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) throw new TransactionContention();
    throw error;
  }
}
