/**
 * The dashboard as its own process in front of a Vigil API elsewhere: API paths (/trpc with its
 * SSE streams, REST) are passed through to the API, everything else is the dashboard. The Vigil
 * server serves the dashboard itself; this is for running a build against a remote server.
 *
 *   VIGIL_API_URL=http://127.0.0.1:3000 PORT=5173 bun apps/web/src/standalone.ts
 */
import { isApiPath } from './lib/api/paths';
import { createWebHandler } from './serve';

export type DashboardServerOptions = {
  /** Origin of the Vigil API, like http://127.0.0.1:3000. */
  apiOrigin: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  hostname?: string;
  buildDir?: string;
};

/** Headers that describe one connection and must not be passed on to the next hop. */
const HOP_BY_HOP = ['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'];

/** Starts the standalone dashboard; returns its URL and a stop function. */
export async function serveDashboard(
  options: DashboardServerOptions,
): Promise<{ url: string; stop(): Promise<void> }> {
  const apiOrigin = new URL(options.apiOrigin).origin;
  const toApi = async (request: Request) => {
    const url = new URL(request.url);
    // Buffered: API bodies are small (the API enforces its own limits), and a buffered body
    // gets a correct content-length of its own.
    const body =
      request.method === 'GET' || request.method === 'HEAD'
        ? undefined
        : await request.arrayBuffer();
    const headers = new Headers(request.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
    try {
      return await fetch(`${apiOrigin}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body,
        redirect: 'manual',
      });
    } catch (error) {
      // The API is down or restarting: say so, as a proxy does, instead of failing the request.
      return new Response(`Vigil API unreachable: ${(error as Error).message}`, { status: 502 });
    }
  };
  const web = await createWebHandler({
    api: toApi,
    ...(options.buildDir ? { buildDir: options.buildDir } : {}),
  });
  const server = Bun.serve({
    port: options.port,
    hostname: options.hostname ?? '127.0.0.1',
    // SSE streams stay open; tRPC pings every 10 s keep them under this.
    idleTimeout: 60,
    fetch(request, srv) {
      if (isApiPath(new URL(request.url).pathname)) return toApi(request);
      return web.fetch(request, srv.requestIP(request)?.address);
    },
  });
  return {
    url: `http://${server.hostname}:${server.port}`,
    stop: () => server.stop(true),
  };
}

if (import.meta.main) {
  const apiOrigin = process.env.VIGIL_API_URL ?? 'http://127.0.0.1:3000';
  const port = Number(process.env.PORT ?? 5173);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`PORT must be a port number, got '${process.env.PORT}'`);
    process.exit(1);
  }
  const { url } = await serveDashboard({ apiOrigin, port });
  console.log(`Vigil dashboard on ${url}, API at ${apiOrigin}`);
}
