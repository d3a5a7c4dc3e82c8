/**
 * The DynamoDB document client, one per process. Endpoint, region and credentials come from the
 * standard AWS environment (`AWS_ENDPOINT_URL_DYNAMODB` points it at the local DynamoDB), so the code
 * never knows whether it runs locally. Short timeouts turn an unreachable database into a quick 503:
 * each attempt gets 1 s to connect and 3 s to answer (`throwOnRequestTimeout`: without it smithy only
 * logs a warning and waits on), and a connected socket silent for 3 s (e.g. mid-body) ends the attempt.
 * While a request is served, the deadline in scope (deadline.ts) also bounds the whole call, retries
 * included.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeadlineHttpHandler, deadlineMiddleware } from './deadline.ts';

export const DYNAMODB_HTTP_OPTIONS = {
  connectionTimeout: 1_000,
  requestTimeout: 3_000,
  throwOnRequestTimeout: true,
  socketTimeout: 3_000,
} as const;

export function createDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: new DeadlineHttpHandler(DYNAMODB_HTTP_OPTIONS),
  });
  client.middlewareStack.add(deadlineMiddleware, { step: 'initialize', priority: 'high', name: 'deadlineMiddleware' });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
