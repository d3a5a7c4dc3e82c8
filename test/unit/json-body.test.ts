/** The JSON body guard alone, in Middy's style: a bare chain with the one middleware and an inline event. */
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { InvalidRequest, UnsupportedMediaType } from '../../shared/errors.ts';
import { jsonBody } from '../../shared/middleware/json-body.ts';

const parse = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  middy<{ body: unknown }>()
    .use(jsonBody())
    .handler(async (event: { body: unknown }) => event.body)({ headers, body, isBase64Encoded: false } as never, {} as never);

describe('jsonBody', () => {
  it('parses a JSON object', async () => {
    await expect(parse('{"app_name":"a"}')).resolves.toEqual({ app_name: 'a' });
  });

  it.each(['[]', '[{"app_name":"a"}]', 'null', '"x"', '1', 'true'])('refuses %s: the body must be a JSON object (400)', async (body) => {
    const error = await parse(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequest);
    expect((error as Error).message).toBe('Request body must be a JSON object');
  });

  it.each([
    'application/json; charset=utf-16',
    'application/json;charset=ISO-8859-1',
    'application/json; charset="utf-16le"',
    'application/json; charset=',
    'application/json,text/plain',
    'text/plain',
    'application/jsonx',
  ])('refuses Content-Type %s (415)', async (contentType) => {
    await expect(parse('{"app_name":"a"}', { 'content-type': contentType })).rejects.toBeInstanceOf(UnsupportedMediaType);
  });

  it('names the charset when that is what is wrong', async () => {
    await expect(parse('{}', { 'content-type': 'application/json; charset=utf-16' })).rejects.toThrow('Content-Type charset must be utf-8');
  });

  const utf8Json = [
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset="utf-8"',
  ];
  it.each(utf8Json)('accepts Content-Type %s', async (contentType) => {
    await expect(parse('{"a":1}', { 'content-type': contentType })).resolves.toEqual({ a: 1 });
  });

  it.each(['gzip', 'deflate', 'br', 'identity, gzip', 'x-anything'])('refuses Content-Encoding %s (415)', async (encoding) => {
    const error = await parse('{"a":1}', { 'content-type': 'application/json', 'content-encoding': encoding }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedMediaType);
    expect((error as Error).message).toBe('Content-Encoding is not supported: send the body uncompressed');
  });

  it('accepts Content-Encoding identity', async () => {
    await expect(parse('{"a":1}', { 'content-type': 'application/json', 'content-encoding': 'identity' })).resolves.toEqual({ a: 1 });
  });
});
