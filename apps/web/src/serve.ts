/**
 * Serves the built dashboard from inside another Bun server (the Vigil server mounts it as its
 * fallback route): static assets from the adapter-node build, everything else rendered by
 * SvelteKit. Runs in Bun, outside Vite; the build comes from `bun run build` in apps/web.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type WebHandlerOptions = {
  /** Directory of the adapter-node build; defaults to apps/web/build. */
  buildDir?: string;
  /**
   * The Vigil API answering in-process (e.g. the Elysia app's `handle`). Server-side loads send
   * their /trpc requests here instead of over the network.
   */
  api?: (request: Request) => Promise<Response>;
};

export type WebHandler = {
  /** Answers one request; `clientAddress` is the peer's IP as the host server saw it. */
  fetch(request: Request, clientAddress?: string): Promise<Response>;
};

/** The dashboard has not been built (run `bun run build` in apps/web). */
export class WebBuildMissingError extends Error {
  constructor(readonly buildDir: string) {
    super(
      `the dashboard is not built: ${buildDir}/adapter-node.js is missing (run 'bun run build' in apps/web)`,
    );
    this.name = 'WebBuildMissingError';
  }
}

type AssetEntry = { file: string; size: number; etag: string };

/**
 * What server loads find in `event.platform` (App.Platform in app.d.ts). Spelled out here rather
 * than taken from the App namespace, so servers that import this file (the Vigil server) type-check
 * it without the dashboard's ambient declarations.
 */
type WebPlatform = Pick<WebHandlerOptions, 'api'>;

/** What adapter-node writes to build/adapter-node.js (only the parts used here). */
type AdapterOutput = {
  server: {
    init(options: {
      env: Record<string, string>;
      read: (file: string) => ReadableStream;
    }): Promise<void>;
    respond(
      request: Request,
      options: { getClientAddress(): string; platform: WebPlatform },
    ): Promise<Response>;
  };
  app_path: string;
  mime_types: Record<string, string>;
  assets: { entries: [string, AssetEntry][] };
};

/** Hashed files under this path never change: browsers may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Loads the built dashboard and returns a fetch-style handler for it. Throws
 * WebBuildMissingError when there is no build.
 */
export async function createWebHandler(options: WebHandlerOptions = {}): Promise<WebHandler> {
  const dir = options.buildDir ?? resolve(import.meta.dir, '../build');
  const entry = join(dir, 'adapter-node.js');
  if (!existsSync(entry)) throw new WebBuildMissingError(dir);
  const output = (await import(entry)) as AdapterOutput;
  const clientDir = join(dir, 'client');
  await output.server.init({
    env: {},
    read: (file) => Bun.file(join(clientDir, file)).stream(),
  });
  const assets = new Map(output.assets.entries);
  const immutablePrefix = `/${output.app_path}/immutable/`;
  const platform: WebPlatform = options.api ? { api: options.api } : {};

  return {
    async fetch(request, clientAddress = '127.0.0.1') {
      const url = new URL(request.url);
      if (request.method === 'GET' || request.method === 'HEAD') {
        const asset = assets.get(safeDecode(url.pathname));
        if (asset !== undefined) {
          return serveAsset(request, join(clientDir, asset.file), asset, {
            type: contentType(asset.file, output.mime_types),
            cacheControl: url.pathname.startsWith(immutablePrefix) ? IMMUTABLE : 'no-cache',
          });
        }
      }
      return output.server.respond(request, {
        getClientAddress: () => clientAddress,
        platform,
      });
    },
  };
}

function serveAsset(
  request: Request,
  path: string,
  asset: AssetEntry,
  headers: { type: string; cacheControl: string },
): Response {
  const etag = `"${asset.etag}"`;
  const common = { etag, 'cache-control': headers.cacheControl };
  if (request.headers.get('if-none-match') === etag) {
    return new Response(null, { status: 304, headers: common });
  }
  const body = request.method === 'HEAD' ? null : Bun.file(path);
  return new Response(body, {
    headers: { ...common, 'content-type': headers.type, 'content-length': String(asset.size) },
  });
}

function contentType(file: string, types: Record<string, string>): string {
  const dot = file.lastIndexOf('.');
  const type = dot === -1 ? undefined : types[file.slice(dot)];
  return type ?? 'application/octet-stream';
}

function safeDecode(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}
