/**
 * Each function's IAM policy, read from the synthesized template: the statements of every
 * AWS::IAM::Policy attached (`Roles: [{ Ref: <role> }]`) to the function's execution role, with their
 * intrinsics (`Fn::GetAtt` of the table's Arn and StreamArn, …) resolved by the caller's resolver, the
 * same one that gives the functions their environment. The result is keyed by the function's local
 * name, which bundle mode uses as the function's access key id.
 *
 * The role's managed policies are not read: the only one is AWSLambdaBasicExecutionRole, which grants
 * CloudWatch Logs and nothing on DynamoDB.
 */
import * as v from 'valibot';
import { evaluate, type Policies, Statement } from './policy.ts';

export interface TemplateFunction {
  /** The local name, the access key id of its instances (`createApp`, …, `cleanupApp`). */
  name: string;
  /** Logical id of its execution role (`Role: { Fn::GetAtt: [<role>, 'Arn'] }`). */
  roleLogicalId: string;
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

const AttachedPolicy = v.object({
  PolicyDocument: v.object({ Statement: v.array(v.unknown()) }),
  Roles: v.array(v.object({ Ref: v.string() })),
});

export function policiesFromTemplate(
  template: Template,
  functions: readonly TemplateFunction[],
  resolve: (value: unknown) => unknown,
): Policies {
  const policies: Policies = {};
  for (const { name, roleLogicalId } of functions) {
    if (template.Resources[roleLogicalId]?.Type !== 'AWS::IAM::Role') throw new Error(`${name}: no role ${roleLogicalId} in the template`);
    policies[name] = { role: roleLogicalId, statements: [] };
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const attached = v.parse(AttachedPolicy, resource.Properties);
    const statements = attached.PolicyDocument.Statement.map((statement) => {
      const parsed = v.safeParse(Statement, resolve(statement));
      if (!parsed.success) throw new Error(`${id}: a statement the local IAM cannot evaluate: ${v.summarize(parsed.issues)}`);
      return parsed.output;
    });
    for (const { name, roleLogicalId } of functions) {
      if (attached.Roles.some((role) => role.Ref === roleLogicalId)) policies[name]?.statements.push(...statements);
    }
  }
  return policies;
}

/** What Lambda's event source mapping needs of the function's role to read a DynamoDB stream. */
export const STREAM_READ_PERMISSIONS = (streamArn: string) => [
  { action: 'dynamodb:DescribeStream', resource: streamArn },
  { action: 'dynamodb:GetRecords', resource: streamArn },
  { action: 'dynamodb:GetShardIterator', resource: streamArn },
  { action: 'dynamodb:ListStreams', resource: '*' },
];

/** The stream permissions the function's role lacks; with any, CreateEventSourceMapping fails on AWS. */
export function missingStreamPermissions(policies: Policies, functionName: string, streamArn: string) {
  const policy = Object.hasOwn(policies, functionName) ? policies[functionName] : undefined;
  if (!policy) return []; // an unrestricted identity
  return STREAM_READ_PERMISSIONS(streamArn).filter(({ action, resource }) => evaluate(policy.statements, action, resource) !== 'allow');
}

export function canReadStream(policies: Policies, functionName: string, streamArn: string): boolean {
  return missingStreamPermissions(policies, functionName, streamArn).length === 0;
}
