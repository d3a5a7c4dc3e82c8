/**
 * The request deadline for DynamoDB calls (shared/db/deadline.ts) with the service's real client
 * (shared/db/client.ts) and real sockets: stand-ins for DynamoDB that never answer or always throttle,
 * and the run's local DynamoDB for calls that must work as before.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, DYNAMODB_HTTP_OPTIONS } from '../../shared/db/client.ts';
import { currentDeadline, DatabaseDeadlineExceeded, DeadlineHttpHandler, runUntil, runWithDeadline } from '../../shared/db/deadline.ts';
import { logger } from '../../shared/logger.ts';
import { toErrorResponse } from '../../shared/middleware/error-handler.ts';
import { runtime } from '../fixtures/tokens.ts';

/** A TCP listener that accepts connections, reads the requests and never answers. */
async function silentServer() {
  const accepted: Socket[] = [];
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    accepted.push(socket);
    open.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
  });
  await listen(server);
  return { server, accepted, open, url: url(server) };
}

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

const url = (server: Server | ReturnType<typeof createHttpServer>) => `http://127.0.0.1:${(server.address() as { port: number }).port}`;

/** The service's client, pointed at `endpoint` the way the functions are (environment). */
function clientFor(endpoint: string) {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  return createDocumentClient();
}

const getItem = () => new GetCommand({ TableName: runtime().tableName, Key: { PK: 'DEADLINE#test', SK: 'none' } });

const cleanups: (() => void)[] = [];
const closeLater = (server: Server | ReturnType<typeof createHttpServer>, sockets: Iterable<Socket> = []) =>
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close();
  });

beforeAll(() => {
  Object.assign(process.env, { AWS_REGION: 'local', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('deadline scope', () => {
  it('holds the deadline while the function runs, the earlier one when nested, and none after', async () => {
    expect(currentDeadline()).toBeUndefined();
    const at = Date.now() + 60_000;
    await runUntil(at, async () => {
      expect(currentDeadline()?.at).toBe(at);
      await runUntil(at + 1_000, async () => expect(currentDeadline()?.at).toBe(at));
      await runUntil(at - 1_000, async () => expect(currentDeadline()?.at).toBe(at - 1_000));
      expect(currentDeadline()?.signal.aborted).toBe(false);
    });
    expect(currentDeadline()).toBeUndefined();
  });

  it('is the remaining time minus the reserve, and none for a context without remaining time', async () => {
    const before = Date.now();
    const at = await runWithDeadline({ getRemainingTimeInMillis: () => 5_000 }, async () => currentDeadline()?.at);
    expect(at).toBeGreaterThanOrEqual(before + 4_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 4_000);
    expect(await runWithDeadline({}, async () => currentDeadline())).toBeUndefined();
  });
});

describe('DynamoDB calls under a deadline', () => {
  it('a call started after the deadline fails at once, without reaching DynamoDB', async () => {
    const silent = await silentServer();
    closeLater(silent.server, silent.open);
    const doc = clientFor(silent.url);
    // 500 ms left is less than the 1 s reserve: the deadline has already passed.
    const call = runWithDeadline({ getRemainingTimeInMillis: () => 500 }, () => doc.send(getItem()));
    await expect(call).rejects.toBeInstanceOf(DatabaseDeadlineExceeded);
    expect(silent.accepted).toHaveLength(0);
  });

  it('a call started after the deadline fails at once even before the deadline timer has run', { timeout: 5_000 }, async () => {
    const silent = await silentServer();
    closeLater(silent.server, silent.open);
    const doc = clientFor(silent.url);
    // As after a busy event loop: the clock is past the deadline, its timer has not fired (and never will).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const call = runUntil(Date.now() - 1, () => doc.send(getItem()));
    await expect(call).rejects.toBeInstanceOf(DatabaseDeadlineExceeded);
    expect(silent.accepted).toHaveLength(0);
  });

  it('a call in flight at the deadline ends with DatabaseDeadlineExceeded and its connection is closed', { timeout: 15_000 }, async () => {
    const silent = await silentServer();
    closeLater(silent.server, silent.open);
    const doc = clientFor(silent.url);
    // The per-attempt requestTimeout (3 s) is far beyond this deadline: only the deadline can end the call.
    const call = runUntil(Date.now() + 300, () => doc.send(getItem()));
    await expect(call).rejects.toBeInstanceOf(DatabaseDeadlineExceeded);
    expect(silent.accepted).toHaveLength(1);
    await vi.waitFor(() => expect(silent.open.size).toBe(0));
  });

  it('the deadline ends a call while the SDK waits to retry', { timeout: 15_000 }, async () => {
    // Throttles every request and asks for a 5 s wait, which the SDK's retry honours between attempts.
    let requests = 0;
    const throttling = createHttpServer((request, response) => {
      requests++;
      request.resume();
      request.on('end', () => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-retry-after': '5000' });
        response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate exceeded' }));
      });
    });
    await listen(throttling);
    closeLater(throttling);
    const doc = clientFor(url(throttling));
    const attempts = vi.spyOn(DeadlineHttpHandler.prototype, 'handle');
    const call = runUntil(Date.now() + 300, () => doc.send(getItem()));
    await expect(call).rejects.toBeInstanceOf(DatabaseDeadlineExceeded);
    // Rejected during the SDK's wait: the second attempt has not even started.
    expect(attempts).toHaveBeenCalledTimes(1);
    expect(requests).toBe(1);
  });

  it('without a deadline in scope, calls work as before; a generous deadline changes nothing', async () => {
    const doc = clientFor(runtime().dynamoEndpoint);
    expect(currentDeadline()).toBeUndefined();
    expect((await doc.send(getItem())).Item).toBeUndefined();
    const inScope = await runWithDeadline({ getRemainingTimeInMillis: () => 10_000 }, () => doc.send(getItem()));
    expect(inScope.$metadata.httpStatusCode).toBe(200);
  });

  it('many calls at once under one deadline (a cleanup batch) are fine: no listener-leak warning', async () => {
    const doc = clientFor(runtime().dynamoEndpoint);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const results = await runWithDeadline({ getRemainingTimeInMillis: () => 10_000 }, () =>
        Promise.all(Array.from({ length: 25 }, () => doc.send(getItem()))),
      );
      expect(results).toHaveLength(25);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('without a deadline in scope, an attempt DynamoDB leaves hanging still ends at its requestTimeout', { timeout: 5_000 }, async () => {
    const silent = await silentServer();
    closeLater(silent.server, silent.open);
    // The client's own options with a shorter requestTimeout (3 attempts of 3 s would be slow to watch),
    // and no socket timeout, so only throwOnRequestTimeout can end the attempt.
    const handler = new DeadlineHttpHandler({ ...DYNAMODB_HTTP_OPTIONS, requestTimeout: 200, socketTimeout: 0 });
    const { port } = new URL(silent.url);
    const request = { protocol: 'http:', hostname: '127.0.0.1', port: Number(port), method: 'POST', path: '/', headers: {}, query: {} };
    await expect(handler.handle(request as never)).rejects.toMatchObject({ name: 'TimeoutError' });
    handler.destroy();
  });
});

describe('a passed deadline at the edge', () => {
  it('is a 503 with Retry-After and a generic body, logged as a warning by name', () => {
    const warn = vi.spyOn(logger, 'warn');
    const response = toErrorResponse(new DatabaseDeadlineExceeded(), { request_id: 'req-1' });
    expect(response.statusCode).toBe(503);
    expect(response.headers).toEqual({ 'Retry-After': '1' });
    expect(response.body).toBe('{"message":"Service unavailable","error_code":503}');
    expect(warn).toHaveBeenCalledWith('database unavailable', { request_id: 'req-1', error_name: 'DatabaseDeadlineExceeded' });
  });
});
