/**
 * valibot validation of the parsed body. Every issue is reported with its dotted path; unknown and
 * read-only fields are named (no mass assignment). On success the body is replaced by the schema's
 * output, so the handler sees typed values with defaults applied.
 */
import type { MiddlewareObj } from '@middy/core';
import * as v from 'valibot';
import { type FieldIssue, InvalidRequest } from '../errors.ts';
import { READ_ONLY_FIELDS } from '../schemas/app.ts';
import { FIRST_CLIENT_READ_ONLY_FIELDS } from '../schemas/client.ts';
import type { ApiRequest } from './types.ts';

/** Fields a response shows and a body may not set, by the object they sit in ('' is the body itself). */
const READ_ONLY_IN: Record<string, ReadonlySet<string>> = { '': READ_ONLY_FIELDS, first_client: FIRST_CLIENT_READ_ONLY_FIELDS };

function describeIssue(issue: v.BaseIssue<unknown>): FieldIssue {
  const path = v.getDotPath(issue) ?? '';
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    // From the keys themselves, not the dotted path: a key may contain a dot.
    const keys = (issue.path ?? []).map((item) => String(item.key));
    const field = keys.at(-1) ?? '';
    const parent = keys.slice(0, -1).join('.');
    const readOnly = Object.hasOwn(READ_ONLY_IN, parent) && READ_ONLY_IN[parent]?.has(field) === true;
    return { path, message: readOnly ? `Field "${field}" is read-only` : `Unknown field "${field}"` };
  }
  if (issue.received === 'undefined') return { path, message: 'Required' };
  if (path === '' && issue.kind === 'schema') return { path, message: 'Request body must be a JSON object' };
  return { path, message: issue.message };
}

/** A 400 naming every failing field, the first one in the message. */
export function validationError(what: string, issues: readonly v.BaseIssue<unknown>[]): InvalidRequest {
  const errors = issues.map(describeIssue);
  const first = errors[0];
  const where = first?.path ? `${first.path}: ` : '';
  return new InvalidRequest(`Invalid ${what}: ${where}${first?.message ?? 'invalid'}`, errors);
}

export function validateBody(schema: v.GenericSchema): MiddlewareObj {
  const validateBodyBefore = async (request: ApiRequest): Promise<void> => {
    const result = v.safeParse(schema, request.event.body, { abortEarly: false });
    if (result.success) {
      request.event.body = result.output;
      return;
    }
    throw validationError('request body', result.issues);
  };
  return { before: validateBodyBefore } as MiddlewareObj;
}
