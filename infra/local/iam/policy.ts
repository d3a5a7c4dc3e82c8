/**
 * IAM identity-based policy evaluation, reduced to what a function's role can hold here: statements of
 * Effect, Action and Resource. An explicit Deny wins over any Allow; with neither, the request is
 * implicitly denied (IAM's evaluation logic within one account, without boundaries, SCPs or sessions).
 *
 * Statements with Condition, NotAction, NotResource or Principal are refused when parsed, not ignored:
 * evaluating them without their qualifier would allow or deny something AWS would not.
 */
import * as v from 'valibot';

const OneOrMany = v.union([v.string(), v.array(v.string())]);

export const Statement = v.strictObject({
  Sid: v.optional(v.string()),
  Effect: v.picklist(['Allow', 'Deny']),
  Action: OneOrMany,
  Resource: OneOrMany,
});
export type Statement = v.InferOutput<typeof Statement>;

/** One identity: the role it assumes (for the denial's message) and its statements. */
export const RolePolicy = v.strictObject({ role: v.string(), statements: v.array(Statement) });
export type RolePolicy = v.InferOutput<typeof RolePolicy>;

/** Per access key id. A key with no entry is unrestricted. */
export type Policies = Record<string, RolePolicy>;

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** IAM's wildcards: `*` any run of characters (`/` included), `?` exactly one. */
function wildcard(pattern: string, flags: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

const matchesAny = (patterns: string | string[], value: string, flags: string) =>
  [patterns].flat().some((pattern) => wildcard(pattern, flags).test(value));

// Action names are case-insensitive in IAM (`dynamodb:getitem` is `dynamodb:GetItem`); ARNs are not.
const applies = (statement: Statement, action: string, resource: string) =>
  matchesAny(statement.Action, action, 'i') && matchesAny(statement.Resource, resource, '');

export function evaluate(statements: readonly Statement[], action: string, resource: string): Decision {
  const applicable = statements.filter((statement) => applies(statement, action, resource));
  if (applicable.some((statement) => statement.Effect === 'Deny')) return 'explicit-deny';
  return applicable.length ? 'allow' : 'implicit-deny';
}
