/**
 * DynamoDB's JSON error replies (HTTP 400, `__type` and message), so the AWS SDK turns them into its own
 * exception classes. The message member is spelled as the SDK's model has it for each error
 * (`Message` for the transaction errors, `message` for the others).
 */
const PREFIX = 'com.amazonaws.dynamodb.v20120810#';

export class DynamoError extends Error {
  constructor(
    readonly body: Record<string, unknown>,
    readonly status = 400,
  ) {
    super(String(body.message ?? body.Message ?? body.__type));
  }
}

const error = (type: string, message: string, member: 'message' | 'Message' = 'message', extra: Record<string, unknown> = {}) =>
  new DynamoError({ __type: `${PREFIX}${type}`, [member]: message, ...extra });

export const validationException = (message: string) => error('ValidationException', message);

export const serializationException = () => new DynamoError({ __type: 'com.amazon.coral.service#SerializationException' });

export const missingAuthentication = () =>
  new DynamoError({
    __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
    message: 'Request is missing Authentication Token',
  });

export interface CancellationReason {
  Code: 'None' | 'ConditionalCheckFailed' | 'ValidationError';
  Message?: string;
  Item?: Record<string, unknown>;
}

export const transactionCanceled = (reasons: CancellationReason[]) => {
  const codes = reasons.map((reason) => reason.Code).join(', ');
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`;
  return error('TransactionCanceledException', message, 'Message', { CancellationReasons: reasons });
};

export const idempotentParameterMismatch = () =>
  error('IdempotentParameterMismatchException', 'The ClientRequestToken was already used for a different request', 'Message');

export const transactionInProgress = () =>
  error('TransactionInProgressException', 'The transaction with the given request token is already in progress', 'Message');
