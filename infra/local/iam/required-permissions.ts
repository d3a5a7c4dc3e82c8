/**
 * The (action, resource) pairs IAM checks for one DynamoDB request, as the Service Authorization
 * Reference and the developer guide define them:
 * - single-item operations, DescribeTable, CreateTable…: the action of the operation's name, on the table;
 * - Query and Scan: on the table, or on `table/<t>/index/<i>` when the request names an index;
 * - BatchGetItem and BatchWriteItem: `dynamodb:BatchGetItem` / `dynamodb:BatchWriteItem` on each table
 *   (the reference maps BatchWriteItem to that one action, not to PutItem or DeleteItem);
 * - TransactWriteItems: no action of its own; each element needs the action it performs, on its table
 *   (Put → PutItem, Update → UpdateItem, Delete → DeleteItem, ConditionCheck → ConditionCheckItem);
 * - TransactGetItems: GetItem on the table of each element;
 * - ListTables and the other operations that name no table: on `*`.
 *
 * A request whose table cannot be read from it (no TableName…) requires nothing here: DynamoDB's own
 * validation rejects it downstream, so nothing of it is applied either way.
 */

export interface Permission {
  action: string;
  resource: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a request body of any shape, as the client sent it; validated downstream
type Input = Record<string, any>;

const TRANSACT_WRITE_ACTIONS = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
} as const;

export function requiredPermissions(operation: string, input: Input, tableArn: (table: string) => string): Permission[] {
  const on = (table: unknown, action: string, index?: unknown): Permission[] => {
    if (typeof table !== 'string' || !table) return [];
    const arn = table.startsWith('arn:') ? table : tableArn(table); // TableName may be the table's ARN
    const resource = typeof index === 'string' && index ? `${arn}/index/${index}` : arn;
    return [{ action: `dynamodb:${action}`, resource }];
  };
  const tablesOf = (requestItems: unknown) => Object.keys(typeof requestItems === 'object' && requestItems ? requestItems : {});
  const elements = (items: unknown): Input[] => (Array.isArray(items) ? items.filter((item) => typeof item === 'object' && item) : []);

  switch (operation) {
    case '':
      return []; // no X-Amz-Target: not an operation, DynamoDB's own error follows
    case 'Query':
    case 'Scan':
      return on(input.TableName, operation, input.IndexName);
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return tablesOf(input.RequestItems).flatMap((table) => on(table, operation));
    case 'TransactWriteItems':
      return elements(input.TransactItems).flatMap((item) =>
        Object.entries(TRANSACT_WRITE_ACTIONS).flatMap(([member, action]) => (item[member] ? on(item[member].TableName, action) : [])),
      );
    case 'TransactGetItems':
      return elements(input.TransactItems).flatMap((item) => (item.Get ? on(item.Get.TableName, 'GetItem') : []));
    default:
      if (input.TableName !== undefined) return on(input.TableName, operation);
      // Tagging and resource-policy operations name their resource by ARN.
      if (typeof input.ResourceArn === 'string') return [{ action: `dynamodb:${operation}`, resource: input.ResourceArn }];
      return [{ action: `dynamodb:${operation}`, resource: '*' }];
  }
}
