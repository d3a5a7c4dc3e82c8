/**
 * The errors the service answers with. Each is a value of a small class that carries its HTTP status;
 * `toErrorResponse` (middleware/error-handler.ts) is the one place that turns them into HTTP.
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown>;

  constructor(
    status: number,
    message: string,
    details: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.details = details;
    this.headers = headers;
  }
}

export class BadRequest extends HttpError {
  constructor(message: string, errors?: FieldIssue[]) {
    super(400, message, errors ? { errors } : {});
  }
}

export class Unauthorized extends HttpError {
  /** `headerPresent: false` answers a bare `Bearer` challenge, as RFC 6750 §3.1 asks. */
  constructor(headerPresent: boolean) {
    super(401, 'Invalid token', {}, {
      'WWW-Authenticate': headerPresent ? 'Bearer error="invalid_token"' : 'Bearer',
    });
  }
}

export class Forbidden extends HttpError {
  constructor(permission: string) {
    super(403, `Missing permission: ${permission}`, {}, {
      'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${permission}"`,
    });
  }
}

export class NotFound extends HttpError {
  constructor(message = 'Application not found') {
    super(404, message);
  }
}

export type ConflictCode = 'SUBDOMAIN_TAKEN' | 'CUSTOM_DOMAIN_TAKEN' | 'IDEMPOTENCY_KEY_IN_USE';

export class Conflict extends HttpError {
  constructor(message: string, code: ConflictCode) {
    super(409, message, { ts_error_code: code });
  }
}

/** A request with the same Idempotency-Key is still being processed: retry shortly. */
export class IdempotencyInProgress extends Conflict {
  constructor() {
    super('A request with this Idempotency-Key is still in progress', 'IDEMPOTENCY_KEY_IN_USE');
  }
}

export class PreconditionFailed extends HttpError {
  constructor() {
    super(412, 'The application was modified: If-Match does not match its current ETag');
  }
}

export class PayloadTooLarge extends HttpError {
  constructor(limitBytes: number) {
    super(413, `Request body is larger than ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaType extends HttpError {
  constructor() {
    super(415, 'Content-Type must be application/json');
  }
}

export class UnprocessableEntity extends HttpError {
  constructor(message: string) {
    super(422, message);
  }
}

/** The database throttled us or could not be reached: worth retrying, so 503 with Retry-After. */
export class ServiceUnavailable extends HttpError {
  constructor(retryAfterSeconds = 1) {
    super(503, 'Service unavailable', {}, { 'Retry-After': String(retryAfterSeconds) });
  }
}
