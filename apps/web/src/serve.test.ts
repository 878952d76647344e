import { beforeAll, describe, expect, test } from 'bun:test';
import { ensureBuild } from '../test/support';
import { createWebHandler, WebBuildMissingError, type WebHandler } from './serve';

const DEVICE = {
  id: 'stub-1',
  name: 'Greenhouse',
  model: 'generic',
  metadata: {},
  source: 'admin',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSeen: null,
};

/** What the stub API answers per procedure; anything else is "no such procedure". */
const ANSWERS: Record<string, unknown> = {
  'auth.me': { kind: 'user', id: 'u1', name: 'tester', role: 'admin', deviceId: null },
  'devices.list': { devices: [DEVICE], nextAfter: null },
  'devices.states': [],
  'anomalies.list': { anomalies: [], nextBefore: null },
  'telemetry.latest': [
    { deviceId: 'stub-1', ts: Date.UTC(2026, 0, 1), metrics: { temperature: 21.5 } },
  ],
  'events.cursor': { lastEventId: '41' },
};

/** Answers tRPC batch GETs from ANSWERS, recording each request's path and cookie. */
function stubApi(calls: { path: string; cookie: string | null }[]) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    calls.push({ path: url.pathname, cookie: request.headers.get('cookie') });
    const paths = url.pathname.replace('/trpc/', '').split(',');
    const results = paths.map((path) =>
      path in ANSWERS
        ? { result: { data: ANSWERS[path] } }
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
  const calls: { path: string; cookie: string | null }[] = [];

  beforeAll(async () => {
    ensureBuild();
    web = await createWebHandler({ api: stubApi(calls) });
  }, 120_000);

  test('renders the overview on the server, loading devices through the in-process API', async () => {
    const response = await web.fetch(
      new Request('http://vigil.test/', { headers: { cookie: 'vigil_session=s3cret' } }),
    );
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('data-device="stub-1"');
    expect(html).toContain('Greenhouse');
    // The newest stored reading is on the tile from the first paint.
    expect(html).toContain('21.5');
    const listCall = calls.find((call) => call.path.includes('devices.list'));
    expect(listCall?.path.startsWith('/trpc/')).toBe(true);
    // The user's session reaches the API, so it answers as that user.
    expect(listCall?.cookie).toBe('vigil_session=s3cret');
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
