/**
 * The local API Gateway: a node:http server that serves the route table, turns each request into the
 * same APIGatewayProxyEventV2 (payload 2.0) an HTTP API sends, and calls the same handler modules.
 * The event is built as API Gateway builds it: repeated headers and query parameters comma-joined (so two
 * `Authorization` headers reach the function as one joined value, never just the first), `Cookie`
 * headers in `cookies[]`, and every name an own property, `__proto__` included, as in the JSON a Lambda
 * parses on AWS.
 *
 * What it answers itself: 404 for an unknown route, 413 past API Gateway's 10 MB payload limit or when
 * the event would pass Lambda's 6 MB invoke request limit (Lambda refuses such an invoke, so no function
 * runs), 429 past the stage throttle (a token bucket, as API Gateway's), 500 if the invocation fails (a
 * handler that throws; in bundle mode also a timeout, a crashed instance, a response over Lambda's 6 MB,
 * a throttled function). On AWS these answers
 * are API Gateway's own (`{"message":"Not Found"}` and the like, with `apigw-requestid` only): an HTTP
 * API has no gateway responses to reshape them. Locally they take the contract's shape instead
 * (`{"message", "error_code"}`, `X-Request-Id` equal to `apigw-requestid`), so that every answer a
 * client of the local runtime sees can be handled one way; the README says where AWS differs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { Throttling } from '../../shared/api-limits.ts';
import { routeKey } from '../../shared/routes.ts';
import { lambdaContext, timeoutMsOf } from './lambda-context.ts';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** A route as the gateway needs it: from the route table (source mode) or the template (bundle mode). */
export interface GatewayRoute {
  method: string;
  /** API Gateway path syntax: `{param}`. */
  path: string;
  /** The function's local name (createApp, readApps, …). */
  function: string;
}

export interface RouteBinding {
  route: GatewayRoute;
  handler: LambdaHandler;
  /** The function's timeout, for the context's deadline (default: the one definition of that function's). */
  timeoutMs?: number;
}

interface BoundRoute extends RouteBinding {
  pattern: RegExp;
  params: string[];
  timeoutMs: number;
}

const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/**
 * Lambda's synchronous invoke request limit: 6 MB is 6,291,456 bytes of event JSON (a bigger invoke fails
 * with RequestEntityTooLargeException "Request must be smaller than 6291456 bytes for the InvokeFunction
 * operation"). The event holds the body as a JSON string, plus headers and the request context.
 */
export const LAMBDA_MAX_REQUEST_BYTES = 6 * 1024 * 1024;

function compile(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), params };
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= API_GATEWAY_MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > API_GATEWAY_MAX_BODY ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The request target as a URL on this host. Only the origin form (`/path?query`) names a route: parsed
 * against a base, `//host/path` would be read as another host's `/path` and served.
 */
function requestUrl(target: string | undefined): URL | undefined {
  return target?.startsWith('/') ? new URL(`http://local${target}`) : undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // API Gateway passes an undecodable segment through; the handler rejects it
  }
}

/** An answer of the gateway itself, in the contract's error shape (see the header comment). */
function sendOwn(res: ServerResponse, status: number, message: string, requestId: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Request-Id': requestId,
  });
  res.end(JSON.stringify({ message, error_code: status }));
}

/**
 * An object whose every name is an own, enumerable property, as JSON.parse makes them: assigning
 * `object[name] = value` would set the prototype for `__proto__` and lose the parameter.
 */
function ownProperties(entries: Iterable<readonly [string, string]>): Record<string, string> {
  const object: Record<string, string> = {};
  for (const [name, value] of entries) Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

/** Repeated query parameters comma-joined, in order (payload 2.0 has no multi-value fields). */
function joinRepeated(entries: Iterable<readonly [string, string]>): [string, string][] {
  const values = new Map<string, string[]>();
  for (const [name, value] of entries) values.set(name, [...(values.get(name) ?? []), value]);
  return [...values].map(([name, all]) => [name, all.join(',')]);
}

/**
 * Headers as payload 2.0 has them. Node's `req.headers` keeps only the first of some repeated headers
 * (`Authorization` among them) and joins `Cookie` with "; "; `headersDistinct` has every value.
 */
function headersOf(req: IncomingMessage): { headers: Record<string, string>; cookies: string[] } {
  const headers: [string, string][] = [];
  const cookies: string[] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue;
    if (name === 'cookie')
      cookies.push(
        ...values.flatMap((value) =>
          value
            .split(';')
            .map((c) => c.trim())
            .filter(Boolean),
        ),
      );
    else headers.push([name, values.join(',')]);
  }
  return { headers: ownProperties(headers), cookies };
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  bound: BoundRoute,
  values: string[],
  body: Buffer,
  requestId: string,
): APIGatewayProxyEventV2 {
  const { headers, cookies } = headersOf(req);
  const query = ownProperties(joinRepeated(url.searchParams));
  const now = new Date();
  const key = routeKey(bound.route);
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(bound.params.length
      ? { pathParameters: ownProperties(bound.params.map((name, i) => [name, safeDecode(values[i] ?? '')] as const)) }
      : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: body.toString('utf8') } : {}),
    isBase64Encoded: false,
  };
}

/** API Gateway's throttle: a bucket of `burstLimit` tokens refilled at `rateLimit` a second. */
function tokenBucket({ rateLimit, burstLimit }: Throttling): () => boolean {
  let tokens = burstLimit;
  let last = Date.now();
  return function take() {
    const now = Date.now();
    tokens = Math.min(burstLimit, tokens + ((now - last) / 1000) * rateLimit);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export function createGateway(routes: RouteBinding[], throttling: Throttling): Server {
  const bound: BoundRoute[] = routes.map((binding) => ({
    ...binding,
    timeoutMs: binding.timeoutMs ?? timeoutMsOf(binding.route.function),
    ...compile(binding.route.path),
  }));
  const take = tokenBucket(throttling);

  return createServer(async (req, res) => {
    // Like API Gateway, every response carries its request id, including the gateway's own answers.
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    try {
      const url = requestUrl(req.url);
      let match: { bound: BoundRoute; values: string[] } | undefined;
      for (const candidate of bound) {
        const found = url && candidate.route.method === req.method ? candidate.pattern.exec(url.pathname) : null;
        if (found) match = { bound: candidate, values: found.slice(1) };
      }
      const body = await readBody(req);
      if (!url || !match) return sendOwn(res, 404, 'Not Found', requestId);
      if (!take()) return sendOwn(res, 429, 'Too Many Requests', requestId);
      if (body === 'too-large') return sendOwn(res, 413, 'Request Entity Too Large', requestId);
      const event = toEvent(req, url, match.bound, match.values, body, requestId);
      // Lambda would refuse this invoke: API Gateway answers without any function running.
      if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_REQUEST_BYTES)
        return sendOwn(res, 413, 'Request Entity Too Large', requestId);
      const result = await match.bound.handler(event, lambdaContext(match.bound.route.function, requestId, match.bound.timeoutMs));
      if (typeof result === 'string') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(result);
        return;
      }
      const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.body ?? '');
    } catch (error) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'local gateway: handler failed', error: String(error) }));
      if (!res.headersSent) sendOwn(res, 500, 'Internal server error', requestId);
    }
  });
}
