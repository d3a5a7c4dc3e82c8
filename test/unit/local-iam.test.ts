/**
 * The local IAM's parts on their own: the signer read from SigV4 `Authorization`, the (action, resource)
 * pairs of each request, policy evaluation, and the enforcer's region, account and log options.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signerOf } from '../../infra/local/iam/credentials.ts';
import { IamEnforcer } from '../../infra/local/iam/enforcer.ts';
import { evaluate } from '../../infra/local/iam/policy.ts';
import { requiredPermissions } from '../../infra/local/iam/required-permissions.ts';

const arn = (table: string) => `arn:aws:dynamodb:r:1:table/${table}`;
const auth = (key: string, region = 'eu-west-1') =>
  `AWS4-HMAC-SHA256 Credential=${key}/20261129/${region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

describe('signer', () => {
  it('reads the access key id and region of the credential scope', () => {
    expect(signerOf(auth('updateApp'))).toEqual({ accessKeyId: 'updateApp', region: 'eu-west-1' });
    expect(signerOf(undefined)).toBeUndefined();
    expect(signerOf('Bearer x')).toBeUndefined();
  });
});

describe('required permissions', () => {
  it('single-item operations: the action of their name on the table; a TableName may be an ARN', () => {
    expect(requiredPermissions('PutItem', { TableName: 't' }, arn)).toEqual([{ action: 'dynamodb:PutItem', resource: arn('t') }]);
    expect(requiredPermissions('GetItem', { TableName: 'arn:aws:dynamodb:x:2:table/u' }, arn)).toEqual([
      { action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:x:2:table/u' },
    ]);
  });

  it('Query and Scan: on the index when one is named', () => {
    expect(requiredPermissions('Scan', { TableName: 't', IndexName: 'i' }, arn)).toEqual([
      { action: 'dynamodb:Scan', resource: `${arn('t')}/index/i` },
    ]);
    expect(requiredPermissions('Query', { TableName: 't' }, arn)).toEqual([{ action: 'dynamodb:Query', resource: arn('t') }]);
  });

  it('batches: their own action on each table', () => {
    expect(requiredPermissions('BatchWriteItem', { RequestItems: { a: [], b: [] } }, arn)).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: arn('a') },
      { action: 'dynamodb:BatchWriteItem', resource: arn('b') },
    ]);
    expect(requiredPermissions('BatchGetItem', { RequestItems: { a: {} } }, arn)).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: arn('a') },
    ]);
  });

  it('transactions: each element its own action on its table', () => {
    const TransactItems = [
      { Put: { TableName: 'a' } },
      { Update: { TableName: 'b' } },
      { Delete: { TableName: 'a' } },
      { ConditionCheck: { TableName: 'c' } },
    ];
    expect(requiredPermissions('TransactWriteItems', { TransactItems }, arn)).toEqual([
      { action: 'dynamodb:PutItem', resource: arn('a') },
      { action: 'dynamodb:UpdateItem', resource: arn('b') },
      { action: 'dynamodb:DeleteItem', resource: arn('a') },
      { action: 'dynamodb:ConditionCheckItem', resource: arn('c') },
    ]);
    expect(requiredPermissions('TransactGetItems', { TransactItems: [{ Get: { TableName: 'a' } }] }, arn)).toEqual([
      { action: 'dynamodb:GetItem', resource: arn('a') },
    ]);
  });

  it('operations without a table: on *; control-plane ones on their table', () => {
    expect(requiredPermissions('ListTables', {}, arn)).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
    expect(requiredPermissions('DescribeTable', { TableName: 't' }, arn)).toEqual([
      { action: 'dynamodb:DescribeTable', resource: arn('t') },
    ]);
  });
});

describe('evaluation', () => {
  const allowAll = { Effect: 'Allow' as const, Action: 'dynamodb:*', Resource: '*' };
  it('actions match case-insensitively, resources case-sensitively', () => {
    expect(evaluate([{ Effect: 'Allow', Action: 'DynamoDB:getitem', Resource: arn('t') }], 'dynamodb:GetItem', arn('t'))).toBe('allow');
    expect(evaluate([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: arn('T') }], 'dynamodb:GetItem', arn('t'))).toBe(
      'implicit-deny',
    );
  });
  it('a Deny anywhere wins, whatever the order', () => {
    const denyGet = { Effect: 'Deny' as const, Action: 'dynamodb:GetItem', Resource: '*' };
    expect(evaluate([denyGet, allowAll], 'dynamodb:GetItem', arn('t'))).toBe('explicit-deny');
    expect(evaluate([allowAll, denyGet], 'dynamodb:GetItem', arn('t'))).toBe('explicit-deny');
    expect(evaluate([allowAll, denyGet], 'dynamodb:PutItem', arn('t'))).toBe('allow');
  });
});

describe('enforcer options', () => {
  afterEach(() => vi.restoreAllMocks());
  const body = Buffer.from(JSON.stringify({ TableName: 't', Item: {} }));
  const policies = { f: { role: 'r', statements: [] } };

  it('ARNs in the signer region by default, or in the configured region and account', () => {
    const lines: Record<string, unknown>[] = [];
    const byScope = new IamEnforcer({ policies, log: (l) => lines.push(l) });
    const denied = byScope.authorize(auth('f', 'eu-west-1'), 'PutItem', body);
    expect(JSON.parse(String(denied?.body)).Message).toBe(
      'User: arn:aws:sts::000000000000:assumed-role/r/f is not authorized to perform: dynamodb:PutItem on resource: ' +
        'arn:aws:dynamodb:eu-west-1:000000000000:table/t because no identity-based policy allows the dynamodb:PutItem action',
    );
    const configured = new IamEnforcer({ policies, region: 'us-east-2', account: '123456789012', log: (l) => lines.push(l) });
    expect(JSON.parse(String(configured.authorize(auth('f'), 'PutItem', body)?.body))).toEqual({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      Message:
        'User: arn:aws:sts::123456789012:assumed-role/r/f is not authorized to perform: dynamodb:PutItem on resource: ' +
        'arn:aws:dynamodb:us-east-2:123456789012:table/t because no identity-based policy allows the dynamodb:PutItem action',
    });
    expect(lines).toHaveLength(2);
  });

  it('logs one JSON line per denial to stdout by default, none for an allowed or unrestricted request', () => {
    const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
    const enforcer = new IamEnforcer({ policies });
    expect(enforcer.authorize(auth('someoneElse'), 'PutItem', body)).toBeUndefined();
    expect(enforcer.authorize(auth('f'), 'PutItem', body)?.status).toBe(400);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(printed.mock.calls[0]?.[0]))).toMatchObject({
      level: 'WARN',
      message: 'local DynamoDB: access denied',
      accessKeyId: 'f',
      action: 'dynamodb:PutItem',
      resource: 'arn:aws:dynamodb:eu-west-1:000000000000:table/t',
    });
  });

  it('policies can be set after the endpoint started (once the template is synthesized)', () => {
    const enforcer = new IamEnforcer({ log: () => {} });
    expect(enforcer.authorize(auth('f'), 'PutItem', body)).toBeUndefined();
    enforcer.setPolicies(policies);
    expect(enforcer.authorize(auth('f'), 'PutItem', body)?.status).toBe(400);
  });
});
