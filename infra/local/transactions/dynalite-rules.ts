/**
 * dynalite's own rules, typed for the transaction code: request validation (types, constraints and
 * expression syntax, with DynamoDB's messages and field paths), condition evaluation, update application
 * and projection. A transaction's expressions are judged exactly as dynalite judges a single PutItem or
 * UpdateItem: there is no second parser or evaluator here, only the glue.
 */
import { createRequire } from 'node:module';
import { DynamoError, validationException } from './dynamo-errors.ts';

const require = createRequire(import.meta.url);

/** An attribute map in DynamoDB's JSON (binary values as base64 strings), as dynalite stores it. */
export type Item = Record<string, unknown>;

export interface Table {
  TableName: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
}

/** One operation of a transaction as dynalite validated it: its parameters plus the parsed expressions. */
export interface Operation {
  TableName: string;
  Key?: Item;
  Item?: Item;
  ReturnValuesOnConditionCheckFailure?: 'ALL_OLD' | 'NONE';
  _updates?: unknown;
  _projection?: { paths: unknown[] };
}

type TypeSpec = Record<string, unknown>;
interface OperationRules {
  types: TypeSpec;
  custom(data: Operation, store?: unknown): string | undefined;
}
interface DynaliteError extends Error {
  statusCode?: number;
  body?: Record<string, unknown>;
}
type Callback = (error: DynaliteError | null, value?: unknown) => void;

const validations = require('dynalite/validations/index.js') as {
  checkTypes(data: unknown, types: TypeSpec): Record<string, unknown>;
  checkValidations(data: unknown, types: TypeSpec, custom: null, store: unknown): void;
};
const db = require('dynalite/db/index.js') as {
  validateKey(key: Item, table: Table): DynaliteError | undefined;
  validateItem(item: Item, table: Table): DynaliteError | undefined;
  validateUpdates(attributeUpdates: undefined, updates: unknown, table: Table): DynaliteError | undefined;
  checkConditional(data: Operation, item: Item | undefined): DynaliteError | null | undefined;
  itemSize(item: Item): number;
  mapPaths(paths: unknown[], item: Item): Item;
};
const rules = {
  Put: require('dynalite/validations/putItem.js') as OperationRules,
  Update: require('dynalite/validations/updateItem.js') as OperationRules,
  Delete: require('dynalite/validations/deleteItem.js') as OperationRules,
  Get: require('dynalite/validations/getItem.js') as OperationRules,
};
const updateItem = require('dynalite/actions/updateItem.js') as (store: unknown, data: Operation, cb: Callback) => void;

export const MAX_ITEM_BYTES = 400 * 1024;
export const WRITE_KINDS = ['Put', 'Update', 'Delete', 'ConditionCheck'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

// The transaction shapes are assembled from dynalite's per-operation type specs, so checkTypes and
// checkValidations give DynamoDB's messages with paths such as 'transactItems.1.member.put.tableName'.
const pick = (types: TypeSpec, names: string[]) => Object.fromEntries(names.map((name) => [name, types[name]]));
const EXPRESSION_PARAMETERS = ['TableName', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'];
const ON_FAILURE = { ReturnValuesOnConditionCheckFailure: { type: 'String', enum: ['ALL_OLD', 'NONE'] } };
const required = { type: 'String', notNull: true };
const struct = (name: string, children: TypeSpec) => ({ type: `ValueStruct<${name}>`, children });
const transactItems = (member: string, children: TypeSpec) => ({
  type: 'List',
  notNull: true,
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 100,
  children: struct(member, children),
});
const common = pick(rules.Put.types, ['ReturnConsumedCapacity', 'ReturnItemCollectionMetrics']);

export const TRANSACT_WRITE_TYPES: TypeSpec = {
  TransactItems: transactItems('TransactWriteItem', {
    Put: struct('Put', { ...pick(rules.Put.types, ['Item', ...EXPRESSION_PARAMETERS]), ...ON_FAILURE }),
    Update: struct('Update', { ...pick(rules.Update.types, ['Key', ...EXPRESSION_PARAMETERS]), UpdateExpression: required, ...ON_FAILURE }),
    Delete: struct('Delete', { ...pick(rules.Delete.types, ['Key', ...EXPRESSION_PARAMETERS]), ...ON_FAILURE }),
    ConditionCheck: struct('ConditionCheck', {
      ...pick(rules.Delete.types, ['Key', ...EXPRESSION_PARAMETERS]),
      ConditionExpression: required,
      ...ON_FAILURE,
    }),
  }),
  ClientRequestToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 36 },
  ...common,
};

export const TRANSACT_GET_TYPES: TypeSpec = {
  TransactItems: transactItems('TransactGetItem', {
    Get: {
      ...struct('Get', pick(rules.Get.types, ['TableName', 'Key', 'ProjectionExpression', 'ExpressionAttributeNames'])),
      notNull: true,
    },
  }),
  ReturnConsumedCapacity: common.ReturnConsumedCapacity,
};

const asDynamoError = (error: unknown) => {
  const { statusCode, body } = error as DynaliteError;
  return statusCode && body ? new DynamoError(body, statusCode) : error;
};

/** The request with dynalite's type coercions applied, or DynamoDB's SerializationException/ValidationException. */
export function validateRequest<T>(input: unknown, types: TypeSpec): T {
  try {
    const data = validations.checkTypes(input, types);
    validations.checkValidations(data, types, null, {});
    return data as T;
  } catch (error) {
    throw asDynamoError(error);
  }
}

/**
 * The checks dynalite makes of one PutItem/UpdateItem/DeleteItem/GetItem (attribute values, expression
 * syntax, unused names and values); they also parse the expressions into `data`. The 400 KB limit is
 * left to `sizeError`, as a transaction reports it as a cancellation reason.
 */
export function validateOperation(kind: WriteKind | 'Get', data: Operation): void {
  const message = rules[kind === 'ConditionCheck' ? 'Delete' : kind].custom(data, { options: { maxItemSize: Infinity } });
  if (message) throw validationException(message);
}

/** DynamoDB's error for a key (or a Put's item) that does not fit the table's key schema, and for an update of a key attribute. */
export function keyError(kind: WriteKind | 'Get', data: Operation, table: Table): DynamoError | undefined {
  const error = kind === 'Put' ? db.validateItem(data.Item ?? {}, table) : db.validateKey(data.Key ?? {}, table);
  const updateError = !error && kind === 'Update' ? db.validateUpdates(undefined, data._updates, table) : undefined;
  return (error ?? updateError) ? (asDynamoError(error ?? updateError) as DynamoError) : undefined;
}

export const keyOf = (table: Table, item: Item): Item =>
  Object.fromEntries(table.KeySchema.map(({ AttributeName }) => [AttributeName, item[AttributeName]]));

export const conditionHolds = (data: Operation, item: Item | undefined) => !db.checkConditional(data, item);

export function sizeError(kind: WriteKind, item: Item | undefined): string | undefined {
  if (!item || db.itemSize(item) <= MAX_ITEM_BYTES) return undefined;
  return kind === 'Update'
    ? 'Item size to update has exceeded the maximum allowed size'
    : 'Item size has exceeded the maximum allowed size';
}

/**
 * The item after an Update, or the message of the ValidationError it runs into (a wrong operand type,
 * an invalid document path, an oversized result). dynalite's update application is private to its
 * updateItem action, so this runs that action against a scratch store that holds only this one item:
 * the same code as a single UpdateItem, without touching the real store before every after image of
 * the transaction is known. The condition was already checked, so it is left out here.
 */
export function applyUpdate(table: Table, data: Operation, before: Item | undefined): Promise<Item | string> {
  return new Promise((resolve) => {
    let after: Item | undefined;
    const notFound = Object.assign(new Error('NotFound'), { name: 'NotFoundError' });
    const itemDb = {
      lock: (_key: string, run: (release: (cb: Callback) => Callback) => void) => run((cb) => cb),
      get: (_key: string, cb: Callback) => (before ? cb(null, structuredClone(before)) : cb(notFound)),
      put: (_key: string, item: Item, cb: Callback) => {
        after = item;
        cb(null);
      },
    };
    const indexDb = { put: (_key: string, _item: Item, cb: Callback) => cb(null), del: (_key: string, cb: Callback) => cb(null) };
    const scratch = {
      options: { maxItemSize: MAX_ITEM_BYTES },
      getTable: (_name: string, cb: Callback) => cb(null, table),
      getItemDb: () => itemDb,
      getIndexDb: () => indexDb,
    };
    // A copy of the Key: for an absent item dynalite builds the new item on the request's Key object.
    const update = { ...data, Key: structuredClone(data.Key), ConditionExpression: undefined, _condition: undefined } as Operation;
    updateItem(scratch, update, (error) => resolve(error ? error.message : { ...after }));
  });
}

/** The attributes a Get asked for (its ProjectionExpression), with dynalite's projection code. */
export const project = (data: Operation, item: Item): Item => (data._projection ? { ...db.mapPaths(data._projection.paths, item) } : item);
