/**
 * DynamoDB's answer to a request IAM denies, as AWS sends it: HTTP 400 and a JSON body with
 * `__type: com.amazon.coral.service#AccessDeniedException` and `Message` (capital M, as DynamoDB spells
 * it), in IAM's wording: `User: <principal> is not authorized to perform: <action> on resource: <arn>`
 * and `because no identity-based policy allows the <action> action` (implicit deny) or `with an explicit
 * deny in an identity-based policy`. The SDKs do not retry it: it is neither a throttling nor a
 * transient error, so the caller sees it once (on AWS, a handler's 500).
 */
import { randomUUID } from 'node:crypto';
import type { Decision } from './policy.ts';
import type { Permission } from './required-permissions.ts';

export interface Denial extends Permission {
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`: a Lambda function's session is its name. */
  principal: string;
  decision: Exclude<Decision, 'allow'>;
}

export function accessDeniedMessage({ principal, action, resource, decision }: Denial): string {
  const reason =
    decision === 'explicit-deny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`;
  return `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} ${reason}`;
}

export function accessDeniedReply(denial: Denial) {
  const body = { __type: 'com.amazon.coral.service#AccessDeniedException', Message: accessDeniedMessage(denial) };
  return {
    status: 400,
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() },
    body: Buffer.from(JSON.stringify(body)),
  };
}
