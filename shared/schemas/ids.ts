/**
 * Identifier formats. `app_id` is time-ordered (like a ULID, lower-case Crockford base32) so that a
 * Query on the tenant's partition returns apps oldest first without a GSI. A `secret_id` is random,
 * in the same alphabet (service/credentials.ts).
 */
import * as v from 'valibot';

export const APP_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;

export const AppId = v.pipe(v.string(), v.regex(APP_ID_PATTERN, 'Invalid app_id'));

export const SECRET_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{24}$/;

export const SecretId = v.pipe(v.string(), v.regex(SECRET_ID_PATTERN, 'Invalid secret_id'));
