/**
 * Local conveniences beside the API, not API routes (API Gateway serves neither): `GET /openapi.json`,
 * the document generated from this tree (infra/openapi/), and `GET /docs`, a reference page that can
 * send calls to this runtime with a pasted bearer token. The page is Swagger UI from the
 * swagger-ui-dist package in node_modules, served from here: no CDN, nothing fetched from elsewhere
 * (its spec validator badge is off too).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildOpenApiDocument } from '../openapi/document.ts';

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The only files of the package the page needs, by the name the page asks for. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Management Apps API (local)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <style>
    body { margin: 0; }
    .local-note { font: 14px/1.5 sans-serif; background: #fdf6e3; border-bottom: 1px solid #e0d7bd; padding: 8px 20px; }
    .local-note code { background: #eee8d5; padding: 1px 4px; }
  </style>
</head>
<body>
  <p class="local-note">
    Local runtime. To try a call: run <code>npm run token -- --tenant acme --admin</code> (with the same
    <code>DATA_DIR</code> as <code>npm start</code>), press <b>Authorize</b>, paste the token, then
    <b>Execute</b> an operation. The document: <a href="/openapi.json">/openapi.json</a>.
  </p>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  validatorUrl: null,
});
`;

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

let documentJson: string | undefined;

/**
 * Answers the docs paths and returns true; returns false for anything else, which the gateway then
 * routes as usual. The document is built on the first request, from the code this runtime runs.
 */
export function serveLocalDocs(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (req.method !== 'GET' || (path !== '/openapi.json' && path !== '/docs' && !path.startsWith('/docs/'))) return false;
  if (path === '/openapi.json') {
    // Relative to where the page loaded it: "try it" calls go to this runtime, whatever its port.
    documentJson ??= JSON.stringify(buildOpenApiDocument({ servers: [{ url: '/', description: 'this local runtime' }] }), null, 2);
    send(res, 200, 'application/json; charset=utf-8', documentJson);
  } else if (path === '/docs') {
    send(res, 200, 'text/html; charset=utf-8', PAGE);
  } else if (path === '/docs/init.js') {
    send(res, 200, 'text/javascript; charset=utf-8', INIT);
  } else {
    const name = path.slice('/docs/'.length);
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (type) send(res, 200, type, readFileSync(join(SWAGGER_UI_DIR, name)));
    else send(res, 404, 'application/json; charset=utf-8', JSON.stringify({ message: 'Not Found', error_code: 404 }));
  }
  return true;
}

/**
 * The gateway with these pages in front: a request for one of them is answered here, any other goes to
 * the gateway's own listener. The gateway itself stays a stand-in for API Gateway, which has no such pages.
 */
export function withLocalDocs(gateway: Server): Server {
  const routeRequest = gateway.listeners('request') as RequestListener[];
  gateway.removeAllListeners('request');
  gateway.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!serveLocalDocs(req, res)) for (const listener of routeRequest) listener.call(gateway, req, res);
  });
  return gateway;
}
