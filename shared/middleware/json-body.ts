/**
 * The JSON body guard (contract §3): 415 unless `application/json` in UTF-8 and not content-coded, 413
 * above 64 KiB, 400 for malformed JSON or JSON that is not an object. Parsing itself is
 * @middy/http-json-body-parser; this adds the checks it lacks and turns its "malformed" 415 into the 400
 * the contract asks for.
 *
 * The body reaches the function as text the gateway decoded as UTF-8, so a body declared in another
 * charset, or compressed, would be read as something the caller did not send: refused, never guessed.
 */
import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { InvalidRequest, PayloadTooLarge, UnsupportedMediaType } from '../errors.ts';
import type { ApiRequest } from './types.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/** A 415 that says what was wrong (by default, "Content-Type must be application/json"). */
const unsupported = (message?: string): UnsupportedMediaType => new UnsupportedMediaType(message);

/**
 * `application/json`, with an optional `charset` that must be UTF-8 (RFC 8259 §8.1); other parameters are
 * ignored. Names are case-insensitive (RFC 9110 §8.3.1); a quoted value is unquoted. Repeated headers
 * arrive comma-joined, which is no media type.
 */
function assertJsonInUtf8(contentType: string | undefined): void {
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') throw unsupported();
  for (const parameter of parameters) {
    const [name = '', ...rest] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8') throw unsupported('Content-Type charset must be utf-8');
  }
}

/** Only `identity` (no coding at all), as RFC 9110 §8.4.1 allows a server to require. */
function assertNotEncoded(contentEncoding: string | undefined): void {
  if (contentEncoding === undefined) return;
  const codings = contentEncoding.split(',').map((coding) => coding.trim().toLowerCase());
  if (codings.some((coding) => coding !== 'identity' && coding !== '')) {
    throw unsupported('Content-Encoding is not supported: send the body uncompressed');
  }
}

const isJsonObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

export function jsonBody(): MiddlewareObj[] {
  // The content type was checked above (case-insensitively, as RFC 9110 wants); the option exists in
  // v6 but is missing from its type definitions.
  const parser = httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]);
  const guardJsonBodyBefore = async (request: ApiRequest): Promise<void> => {
    const { headers, isBase64Encoded } = request.event;
    const body = request.event.body as string | undefined;
    assertJsonInUtf8(headers?.['content-type']);
    assertNotEncoded(headers?.['content-encoding']);
    const bytes = body === undefined ? 0 : Buffer.byteLength(body, isBase64Encoded ? 'base64' : 'utf8');
    if (bytes > MAX_BODY_BYTES) throw new PayloadTooLarge(MAX_BODY_BYTES);
    if (body === undefined || body.length === 0) throw new InvalidRequest('Request body is required');
  };
  const parseJsonBodyBefore = async (request: ApiRequest): Promise<void> => {
    try {
      await parser.before?.(request as never);
    } catch {
      throw new InvalidRequest('Malformed JSON in request body');
    }
    // Every body of this API is an object; `[]` would otherwise pass a strict object schema as `{}`.
    if (!isJsonObject(request.event.body)) throw new InvalidRequest('Request body must be a JSON object');
  };
  return [{ before: guardJsonBodyBefore }, { before: parseJsonBodyBefore }] as MiddlewareObj[];
}
