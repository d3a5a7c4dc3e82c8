/** The empty-body check alone, in Middy's style: a bare chain with the one middleware and an inline event. */
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../shared/errors.ts';
import { emptyBody } from '../../shared/middleware/empty-body.ts';

const send = (body: string | undefined, isBase64Encoded = false) =>
  middy<{ body: unknown }>()
    .use(emptyBody())
    .handler(async (event) => event.body)({ headers: {}, body, isBase64Encoded } as never, {} as never);

describe('emptyBody', () => {
  it.each([undefined, '', '  \n', '{}', ' { }\n'])('accepts %j, and the handler sees no body', async (body) => {
    await expect(send(body)).resolves.toBeUndefined();
  });

  it('reads a base64 body as API Gateway sends a binary one', async () => {
    await expect(send(Buffer.from('{}').toString('base64'), true)).resolves.toBeUndefined();
    await expect(send(Buffer.from('{"a":1}').toString('base64'), true)).rejects.toBeInstanceOf(InvalidRequest);
  });

  it.each(['{"client_secret":"mine"}', '[]', 'null', 'x', '{}{}', `{${' '.repeat(2000)}}`])('refuses %j with a 400', async (body) => {
    const error = await send(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequest);
    expect((error as InvalidRequest).details).toEqual({ errors: [{ path: '', message: 'Must be empty' }] });
  });
});
