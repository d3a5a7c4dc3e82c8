/**
 * What can go wrong, as the service and the request chain say it: values of a small set of classes that
 * carry what happened, never an HTTP status. `middleware/error-handler.ts` is the one place that turns
 * them into responses (status, headers, the contract's `{message, error_code}` body).
 */
export interface FieldIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  /** Extra fields of the error body (contract §7): `errors`, `ts_error_code`. */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The request is malformed or breaks a rule of the contract; `errors` names the fields. */
export class InvalidRequest extends AppError {
  constructor(message: string, errors?: FieldIssue[]) {
    super(message, errors ? { errors } : {});
  }
}

/** No valid token. `credentialsPresent: false` when the request carried none at all. */
export class Unauthenticated extends AppError {
  constructor(readonly credentialsPresent: boolean) {
    super('Invalid token');
  }
}

/** A valid token without the permission the operation needs. */
export class PermissionDenied extends AppError {
  constructor(readonly permission: string) {
    super(`Missing permission: ${permission}`);
  }
}

/** No such app in the caller's tenant (or an id that cannot be one). */
export class NotFound extends AppError {
  constructor(message = 'Application not found') {
    super(message);
  }
}

/** The app is there, but it has no active client secret of that id. */
export class SecretNotFound extends NotFound {
  constructor() {
    super('Client secret not found');
  }
}

export type ConflictCode = 'SUBDOMAIN_TAKEN' | 'CUSTOM_DOMAIN_TAKEN' | 'SECRET_LIMIT' | 'LAST_SECRET';

/**
 * The change clashes with what is stored: a value that must be unique across all tenants is held by
 * another app, or a client-secret rule (at most two active, never none) would break.
 */
export class Conflict extends AppError {
  constructor(message: string, code: ConflictCode) {
    super(message, { ts_error_code: code });
  }
}

/** The app is not at the version the caller expected (its If-Match). */
export class VersionMismatch extends AppError {
  constructor() {
    super('The application was modified: If-Match does not match its current ETag');
  }
}

export class PayloadTooLarge extends AppError {
  constructor(limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaType extends AppError {
  constructor(message = 'Content-Type must be application/json') {
    super(message);
  }
}

/** An Idempotency-Key already answered a different request. */
export class IdempotencyKeyReused extends AppError {
  constructor() {
    super('Idempotency-Key was already used with a different request body');
  }
}

/** Worth retrying shortly: the database throttled, could not be reached, or one app is under contention. */
export class Unavailable extends AppError {
  constructor(readonly retryAfterSeconds = 1) {
    super('Service unavailable');
  }
}
