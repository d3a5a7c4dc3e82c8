/**
 * The local runtime's reference pages (infra/local/docs.ts): GET /openapi.json is the document generated
 * from this tree, GET /docs a page served from node_modules with no CDN. Plain fetch, not fixtures/api.ts:
 * these are local conveniences, not operations of the document.
 */
import { expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../infra/openapi/document.ts';
import { localOnly, NEEDS, target } from '../fixtures/target.ts';

const get = (path: string, init?: RequestInit) => fetch(`${target().baseUrl}${path}`, init);

// A deployment is API Gateway: it serves the operations only, not these local conveniences.
localOnly(NEEDS.localPages).describe('the local API reference', () => {
  it('GET /openapi.json is the generated document, its server this runtime', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual(buildOpenApiDocument({ servers: [{ url: '/', description: 'this local runtime' }] }));
  });

  it('GET /docs is a page whose scripts and styles all come from this runtime, with the token hint', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources).toEqual([
      '/docs/swagger-ui.css',
      '/docs/favicon-32x32.png',
      '/openapi.json',
      '/docs/swagger-ui-bundle.js',
      '/docs/init.js',
    ]);
    expect(html).toContain('npm run token -- --tenant acme --admin');
    const bundle = await get('/docs/swagger-ui-bundle.js');
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect(await (await get('/docs/init.js')).text()).toContain("url: '/openapi.json'");
  });

  it('serves only the files the page needs, and leaves other methods to the API gateway', async () => {
    for (const path of ['/docs/package.json', '/docs/..%2Fpackage.json', '/docs/swagger-ui.js.map']) {
      expect((await get(path)).status, path).toBe(404);
    }
    const post = await get('/openapi.json', { method: 'POST' });
    expect(post.status).toBe(404);
    expect(await post.json()).toEqual({ message: 'Not Found', error_code: 404 });
  });
});
