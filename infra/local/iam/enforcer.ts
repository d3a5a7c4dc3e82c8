/**
 * IAM on the local DynamoDB endpoint: the capture proxy asks `authorize` before it dispatches anything,
 * so a denied request changes nothing (a transaction with one unpermitted action applies none of them).
 *
 * Identities are access key ids. A key with a registered policy (in bundle mode, a function's name:
 * `createApp`, …, `cleanupApp`) is held to it; any other key (the AWS CLI, the tests, the source-mode
 * runtime's `local`) is unrestricted, as an administrator's would be.
 */
import { accessDeniedReply, type Denial } from './access-denied.ts';
import { signerOf } from './credentials.ts';
import { evaluate, type Policies } from './policy.ts';
import { requiredPermissions } from './required-permissions.ts';

export interface IamEnforcerOptions {
  policies?: Policies;
  /** Region of the ARNs checked; the signer's credential scope region when not given. */
  region?: string;
  /** Account of the ARNs checked and of the denied principal (the local stream ARNs use 000000000000). */
  account?: string;
  /** Where a denial is logged (one JSON line); stdout, beside the runtime's other lines, by default. */
  log?: (line: Record<string, unknown>) => void;
}

export class IamEnforcer {
  private policies: Policies;

  constructor(private readonly options: IamEnforcerOptions = {}) {
    this.policies = options.policies ?? {};
  }

  /** Replaces every identity's policy (the template's, once it is synthesized). */
  setPolicies(policies: Policies): void {
    this.policies = policies;
  }

  tableArn(table: string, region = this.options.region ?? 'local'): string {
    return `arn:aws:dynamodb:${region}:${this.account}:table/${table}`;
  }

  /** DynamoDB's AccessDeniedException reply when the signer may not make this request; undefined when it may. */
  authorize(authorization: string | string[] | undefined, operation: string, body: Buffer) {
    const signer = signerOf(authorization);
    const policy = signer && Object.hasOwn(this.policies, signer.accessKeyId) ? this.policies[signer.accessKeyId] : undefined;
    if (!signer || !policy) return undefined;
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined; // not JSON: DynamoDB's SerializationException follows, nothing is applied
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    const region = this.options.region ?? signer.region;
    const required = requiredPermissions(operation, input, (table) => this.tableArn(table, region));
    for (const { action, resource } of required) {
      const decision = evaluate(policy.statements, action, resource);
      if (decision === 'allow') continue;
      const principal = `arn:aws:sts::${this.account}:assumed-role/${policy.role}/${signer.accessKeyId}`;
      const denial: Denial = { principal, action, resource, decision };
      this.logDenial(signer.accessKeyId, denial);
      return accessDeniedReply(denial);
    }
    return undefined;
  }

  private get account(): string {
    return this.options.account ?? '000000000000';
  }

  private logDenial(accessKeyId: string, { action, resource, decision }: Denial): void {
    const line = { level: 'WARN', message: 'local DynamoDB: access denied', accessKeyId, action, resource, decision };
    (this.options.log ?? ((l) => console.log(JSON.stringify(l))))({ timestamp: new Date().toISOString(), ...line });
  }
}
