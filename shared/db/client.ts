/**
 * The DynamoDB document client, one per process. Endpoint, region and credentials come from the
 * standard AWS environment (`AWS_ENDPOINT_URL_DYNAMODB` points it at the local DynamoDB), so the code
 * never knows whether it runs locally. Short timeouts turn an unreachable database into a quick 503.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export function createDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
