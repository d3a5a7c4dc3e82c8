/**
 * A small CloudFormation intrinsic-function resolver for the synthesized template, with local values for
 * what a deployment would make up: the pseudo parameters, the table's name and ARNs, function and role
 * names and ARNs. Bundle mode resolves the functions' environments and routes with it; the local DynamoDB
 * endpoint resolves the functions' IAM policy statements with it (so a policy's `Fn::GetAtt [Table, Arn]`
 * becomes the very ARN the endpoint compares a request's table with).
 *
 * Supported: Ref (resources and AWS:: pseudo parameters), Fn::GetAtt (Arn; StreamArn of a table),
 * Fn::Join, Fn::Select, Fn::Split, Fn::Sub (string form and [string, variables]). Anything else throws,
 * naming the function: better a clear failure at start than a silently wrong value.
 */

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT_ID = '000000000000';
/** The label of the local table stream's ARN (infra/local/stream/change-stream.ts uses the same). */
export const LOCAL_STREAM_LABEL = 'local';

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
}

export interface CloudFormationTemplate {
  Resources: Record<string, TemplateResource>;
  Parameters?: Record<string, { Default?: unknown }>;
  [section: string]: unknown;
}

export interface LocalNames {
  region?: string;
  accountId?: string;
  partition?: string;
  urlSuffix?: string;
  streamLabel?: string;
  /** The local name of each table, by logical id; a table not listed keeps its logical id as name. */
  tables?: Record<string, string>;
  /** The local name of each function, by logical id (createApp, …, cleanupApp). */
  functions?: Record<string, string>;
}

/** Resolves a template value (a string, an intrinsic, or an array/object of them) to plain JSON. */
export type Resolve = (value: unknown) => unknown;

const arn = (n: Required<Omit<LocalNames, 'tables' | 'functions'>>, service: string, resource: string, region = n.region) =>
  `arn:${n.partition}:${service}:${region}:${n.accountId}:${resource}`;

export function createResolver(template: CloudFormationTemplate, names: LocalNames = {}): Resolve {
  const n = {
    region: names.region ?? LOCAL_REGION,
    accountId: names.accountId ?? LOCAL_ACCOUNT_ID,
    partition: names.partition ?? 'aws',
    urlSuffix: names.urlSuffix ?? 'amazonaws.com',
    streamLabel: names.streamLabel ?? LOCAL_STREAM_LABEL,
  };
  const pseudo: Record<string, string> = {
    'AWS::Region': n.region,
    'AWS::AccountId': n.accountId,
    'AWS::Partition': n.partition,
    'AWS::URLSuffix': n.urlSuffix,
    'AWS::StackName': 'local',
    'AWS::NoValue': '',
  };

  const resource = (logicalId: string): TemplateResource => {
    const found = template.Resources[logicalId];
    if (!found) throw new Error(`template: no resource ${logicalId}`);
    return found;
  };

  /** A resource's Ref value: what CloudFormation documents for its type (a name), else the logical id. */
  const ref = (logicalId: string): string => {
    if (logicalId in pseudo) return pseudo[logicalId] as string;
    const parameter = template.Parameters?.[logicalId];
    if (parameter) return String(parameter.Default ?? '');
    const { Type } = resource(logicalId);
    if (Type === 'AWS::DynamoDB::Table') return names.tables?.[logicalId] ?? logicalId;
    if (Type === 'AWS::Lambda::Function') return names.functions?.[logicalId] ?? logicalId;
    return logicalId; // roles, queues, integrations …: the logical id is a stable local name
  };

  const getAtt = (logicalId: string, attribute: string): string => {
    const { Type } = resource(logicalId);
    const name = ref(logicalId);
    if (Type === 'AWS::DynamoDB::Table') {
      const tableArn = arn(n, 'dynamodb', `table/${name}`);
      if (attribute === 'Arn') return tableArn;
      if (attribute === 'StreamArn') return `${tableArn}/stream/${n.streamLabel}`;
    }
    if (Type === 'AWS::Lambda::Function' && attribute === 'Arn') return arn(n, 'lambda', `function:${name}`);
    if (Type === 'AWS::IAM::Role' && attribute === 'Arn') return arn(n, 'iam', `role/${name}`, '');
    if (Type === 'AWS::SQS::Queue' && attribute === 'Arn') return arn(n, 'sqs', name);
    if (attribute === 'Arn') return arn(n, Type.split('::')[1]?.toLowerCase() ?? 'unknown', name);
    throw new Error(`template: Fn::GetAtt ${logicalId}.${attribute} is not supported locally`);
  };

  const sub = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]+)\}/g, (_, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`; // ${!Literal}
      if (expression in variables) return String(resolve(variables[expression]));
      const [id, attribute] = expression.split('.');
      return attribute ? getAtt(id as string, attribute) : ref(expression);
    });

  function resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && (key === 'Ref' || key?.startsWith('Fn::'))) {
      switch (key) {
        case 'Ref':
          return ref(String(argument));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.');
          return getAtt(id as string, attribute as string);
        }
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, unknown[]];
          return (resolve(parts) as unknown[]).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = argument as [unknown, unknown];
          return (resolve(list) as unknown[])[Number(resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = argument as [string, unknown];
          return String(resolve(text)).split(separator);
        }
        case 'Fn::Sub':
          return Array.isArray(argument)
            ? sub(String(argument[0]), (argument[1] ?? {}) as Record<string, unknown>)
            : sub(String(argument), {});
        default:
          throw new Error(`template: ${key} is not supported locally`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  }
  return resolve;
}

/** The local ARN of a table (the form IAM policies and the endpoint compare). */
export function localTableArn(tableName: string, names: Pick<LocalNames, 'region' | 'accountId' | 'partition'> = {}): string {
  return `arn:${names.partition ?? 'aws'}:dynamodb:${names.region ?? LOCAL_REGION}:${names.accountId ?? LOCAL_ACCOUNT_ID}:table/${tableName}`;
}
