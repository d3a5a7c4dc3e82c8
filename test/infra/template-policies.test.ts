/**
 * Each function's IAM policy as the local endpoint will enforce it, read from the REAL synthesized
 * template (without bundling) and checked against what each function's code calls, written out here as
 * literals: a grant dropped from the stack, or one added, fails this test.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { evaluate, type Policies } from '../../infra/local/iam/policy.ts';
import { canReadStream, missingStreamPermissions, policiesFromTemplate } from '../../infra/local/iam/template-policies.ts';
import { apiFunctionIdOf, functionIdOf, synthWithoutTemplate } from './fixtures.ts';

const CLEANUP_DESCRIPTION = 'Removes what belonged to a deleted management app (stream consumer, scheduled redrive)';
const TABLE_NAME = 'management-apps-local';
const TABLE_ARN = `arn:aws:dynamodb:local:000000000000:table/${TABLE_NAME}`;
const STREAM_ARN = `${TABLE_ARN}/stream/local`;
const QUEUE_ARN = 'arn:aws:sqs:local:000000000000:cleanup-dead-letters';

const { stack } = synthWithoutTemplate();
const synthesized = Template.fromStack(stack);
const template = synthesized.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const tableId = Object.keys(template.Resources).find((id) => template.Resources[id]?.Type === 'AWS::DynamoDB::Table');
const queueId = Object.keys(template.Resources).find((id) => template.Resources[id]?.Type === 'AWS::SQS::Queue');

/** A minimal stand-in for the bundle runtime's resolver: the intrinsics the policies use, nothing more. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    const known: Record<string, string | undefined> = {
      [`${tableId}.Arn`]: TABLE_ARN,
      [`${tableId}.StreamArn`]: STREAM_ARN,
      [`${queueId}.Arn`]: QUEUE_ARN,
    };
    const resolved = known[`${id}.${attribute}`];
    if (!resolved) throw new Error(`test resolver: no value for ${id}.${attribute}`);
    return resolved;
  }
  if ('Ref' in object) throw new Error(`test resolver: no value for Ref ${String(object.Ref)}`);
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
}

function roleOf(functionId: string): string {
  const role = template.Resources[functionId]?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  if (!role) throw new Error(`no function ${functionId}`);
  return role['Fn::GetAtt'][0];
}
const FUNCTIONS = [
  ...['createApp', 'readApps', 'updateApp', 'deleteApp'].map((name) => ({
    name,
    roleLogicalId: roleOf(apiFunctionIdOf(synthesized, name)),
  })),
  { name: 'cleanupApp', roleLogicalId: roleOf(functionIdOf(synthesized, CLEANUP_DESCRIPTION)) },
];
const policies: Policies = policiesFromTemplate(template, FUNCTIONS, resolve);

// Every DynamoDB data-plane action a function could call, checked one by one.
const ACTIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'ConditionCheckItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'DescribeTable',
  'CreateTable',
  'DeleteTable',
];
const allowedOn = (name: string, resource: string) =>
  ACTIONS.filter((action) => evaluate(policies[name]?.statements ?? [], `dynamodb:${action}`, resource) === 'allow');

describe('policies from the synthesized template', () => {
  it('one policy per function, under its local name, naming its role', () => {
    expect(Object.keys(policies).sort()).toEqual(['cleanupApp', 'createApp', 'deleteApp', 'readApps', 'updateApp']);
    expect(policies.updateApp?.role).toMatch(/^updateAppFunctionServiceRole/);
  });

  // What each function's code calls (shared/db): one TransactWriteItems of puts, deletes, updates; GetItem; Query.
  const expected: Record<string, string[]> = {
    createApp: ['GetItem', 'PutItem'],
    readApps: ['GetItem', 'Query'],
    updateApp: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    deleteApp: ['GetItem', 'PutItem', 'DeleteItem'],
    cleanupApp: ['DeleteItem', 'Query', 'BatchWriteItem'],
  };
  it.each(Object.keys(expected))('%s may do exactly what its code does on the table, nothing on another table or an index', (name) => {
    expect(allowedOn(name, TABLE_ARN)).toEqual(expected[name]);
    expect(allowedOn(name, 'arn:aws:dynamodb:local:000000000000:table/another')).toEqual([]);
    expect(allowedOn(name, `${TABLE_ARN}/index/any`)).toEqual([]);
  });

  it('updateApp may not Query; readApps may not write', () => {
    expect(evaluate(policies.updateApp?.statements ?? [], 'dynamodb:Query', TABLE_ARN)).toBe('implicit-deny');
    expect(evaluate(policies.readApps?.statements ?? [], 'dynamodb:PutItem', TABLE_ARN)).toBe('implicit-deny');
  });

  it('only the cleanup may read the table stream (its event source mapping), and only that stream', () => {
    expect(canReadStream(policies, 'cleanupApp', STREAM_ARN)).toBe(true);
    for (const name of ['createApp', 'readApps', 'updateApp', 'deleteApp']) expect(canReadStream(policies, name, STREAM_ARN)).toBe(false);
    expect(missingStreamPermissions(policies, 'cleanupApp', `${TABLE_ARN}/stream/other`).map((p) => p.action)).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    expect(missingStreamPermissions(policies, 'readApps', STREAM_ARN).map((p) => p.action)).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    // An identity with no policy is unrestricted.
    expect(canReadStream(policies, 'someoneElse', STREAM_ARN)).toBe(true);
  });

  it('the cleanup may send to its dead-letter queue (the SQS statement is kept, resolved)', () => {
    expect(evaluate(policies.cleanupApp?.statements ?? [], 'sqs:SendMessage', QUEUE_ARN)).toBe('allow');
  });

  it('a grant removed from the stack is missing from the enforced policy', () => {
    const withoutPut = structuredClone(template);
    for (const resource of Object.values(withoutPut.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] };
      for (const statement of document.Statement) statement.Action = [statement.Action].flat().filter((a) => a !== 'dynamodb:PutItem');
    }
    const reduced = policiesFromTemplate(withoutPut, FUNCTIONS, resolve);
    expect(evaluate(reduced.createApp?.statements ?? [], 'dynamodb:PutItem', TABLE_ARN)).toBe('implicit-deny');
    expect(evaluate(reduced.createApp?.statements ?? [], 'dynamodb:GetItem', TABLE_ARN)).toBe('allow');
  });

  it('refuses a statement it cannot evaluate faithfully (a Condition) and a role missing from the template', () => {
    const conditioned = structuredClone(template);
    const [policy] = Object.values(conditioned.Resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    const [statement] = (policy?.Properties.PolicyDocument as { Statement: Record<string, unknown>[] } | undefined)?.Statement ?? [];
    if (!statement) throw new Error('no policy statement in the template');
    statement.Condition = { Bool: { 'aws:SecureTransport': 'true' } };
    expect(() => policiesFromTemplate(conditioned, FUNCTIONS, resolve)).toThrow(/cannot evaluate/);
    expect(() => policiesFromTemplate(template, [{ name: 'ghost', roleLogicalId: 'NoSuchRole' }], resolve)).toThrow(
      /ghost: no role NoSuchRole/,
    );
  });
});
