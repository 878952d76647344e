import { beforeAll, describe, expect, test } from 'bun:test';
import { ensureBuild } from '../test/support';
import { createWebHandler, WebBuildMissingError, type WebHandler } from './serve';

/** Answers tRPC batch GETs: devices.list with one device, every other path "no procedure". */
function stubApi(calls: string[]) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    calls.push(url.pathname);
    const paths = url.pathname.replace('/trpc/', '').split(',');
    const results = paths.map((path) =>
      path === 'devices.list'
        ? {
            result: {
              data: {
                devices: [
                  {
                    id: 'stub-1',
                    name: 'Greenhouse',
                    model: 'generic',
                    metadata: {},
                    source: 'admin',
                    createdAt: '2026-01-01T00:00:00.000Z',
                    lastSeen: null,
                  },
                ],
                nextAfter: null,
              },
            },
          }
        : {
            error: {
              message: `No procedure found on path "${path}"`,
              code: -32004,
              data: { code: 'NOT_FOUND', httpStatus: 404, path },
            },
          },
    );
    // tRPC answers a batch with mixed outcomes as 207 Multi-Status.
    return Response.json(results, { status: 207 });
  };
}

describe('createWebHandler', () => {
  let web: WebHandler;
  const calls: string[] = [];

  beforeAll(async () => {
    ensureBuild();
    web = await createWebHandler({ api: stubApi(calls) });
  }, 120_000);

  test('renders the overview on the server, loading devices through the in-process API', async () => {
    const response = await web.fetch(new Request('http://vigil.test/'));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('data-device="stub-1"');
    expect(html).toContain('Greenhouse');
    expect(calls.some((path) => path.startsWith('/trpc/') && path.includes('devices.list'))).toBe(
      true,
    );
  });

  test('serves hashed assets as immutable and answers a matching ETag with 304', async () => {
    const html = await (await web.fetch(new Request('http://vigil.test/'))).text();
    const asset = html.match(/\/_app\/immutable\/[^"']+\.js/)?.[0];
    expect(asset).toBeDefined();
    const response = await web.fetch(new Request(`http://vigil.test${asset}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('immutable');
    expect(response.headers.get('content-type')).toBe('text/javascript');
    const etag = response.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await web.fetch(
      new Request(`http://vigil.test${asset}`, { headers: { 'if-none-match': etag ?? '' } }),
    );
    expect(again.status).toBe(304);
  });

  test('answers an unknown page with 404', async () => {
    const response = await web.fetch(new Request('http://vigil.test/no/such/page'));
    expect(response.status).toBe(404);
  });
});

test('says how to build when there is no build', async () => {
  await expect(createWebHandler({ buildDir: '/nonexistent/build' })).rejects.toBeInstanceOf(
    WebBuildMissingError,
  );
});
