/**
 * The query of GET /v1/management/applications (contract §5). Query values arrive as strings, so
 * `limit` is read as digits, then checked as a number. Here rather than in the function so that the
 * OpenAPI document (infra/openapi/) can read it without loading a handler.
 */
import * as v from 'valibot';

export const ListQuery = v.strictObject({
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'Must be an integer from 1 to 100'), v.toNumber(), v.minValue(1), v.maxValue(100)),
  ),
  cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
});
