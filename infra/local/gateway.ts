/**
 * The local API Gateway: a node:http server that serves the route table, turns each request into the
 * same APIGatewayProxyEventV2 (payload 2.0) an HTTP API sends, and calls the same handler modules.
 * What it answers itself mirrors API Gateway: 404 `{"message":"Not Found"}` for an unknown route,
 * 413 past API Gateway's 10 MB payload limit, 429 `{"message":"Too Many Requests"}` past the stage
 * throttle (a token bucket, as API Gateway's), 500 `{"message":"Internal Server Error"}` if a handler throws.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';
import type { Throttling } from '../../shared/api-limits.ts';
import { type Route, routeKey } from '../../shared/routes.ts';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

interface BoundRoute {
  route: Route;
  pattern: RegExp;
  params: string[];
  handler: LambdaHandler;
}

const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const LAMBDA_TIMEOUT_MS = 10_000;

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

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // API Gateway passes an undecodable segment through; the handler rejects it
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body);
}

function toEvent(
  req: IncomingMessage, url: URL, bound: BoundRoute, values: string[], body: Buffer, requestId: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const key = routeKey(bound.route);
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(bound.params.length
      ? { pathParameters: Object.fromEntries(bound.params.map((name, i) => [name, safeDecode(values[i] ?? '')])) }
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

export function createGateway(routes: { route: Route; handler: LambdaHandler }[], throttling: Throttling): Server {
  const bound: BoundRoute[] = routes.map(({ route, handler }) => ({ route, handler, ...compile(route.path) }));
  const take = tokenBucket(throttling);

  return createServer(async (req, res) => {
    // Like API Gateway, every response carries its request id, including the gateway's own answers.
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      let match: { bound: BoundRoute; values: string[] } | undefined;
      for (const candidate of bound) {
        const found = candidate.route.method === req.method ? candidate.pattern.exec(url.pathname) : null;
        if (found) match = { bound: candidate, values: found.slice(1) };
      }
      const body = await readBody(req);
      if (!match) return send(res, 404, '{"message":"Not Found"}');
      if (!take()) return send(res, 429, '{"message":"Too Many Requests"}');
      if (body === 'too-large') return send(res, 413, '{"message":"Request Entity Too Large"}');
      const event = toEvent(req, url, match.bound, match.values, body, requestId);
      const result = await match.bound.handler(event, lambdaContext(match.bound.route.name, requestId, LAMBDA_TIMEOUT_MS));
      if (typeof result === 'string') return send(res, 200, result);
      const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.body ?? '');
    } catch (error) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'local gateway: handler failed', error: String(error) }));
      if (!res.headersSent) send(res, 500, '{"message":"Internal Server Error"}');
    }
  });
}
