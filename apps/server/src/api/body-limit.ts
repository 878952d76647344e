/**
 * Request body limits per route. Bun accepts up to 128 MiB per request unless told otherwise;
 * Bun.serve's maxRequestBodySize is the hard ceiling for the whole server, and each route that
 * reads a body caps it again here at its own, smaller size.
 */

/** Body limit of the JSON API routes (tRPC mutations and batches). */
export const API_BODY_LIMIT = 64 * 1024;
/** The server-wide ceiling; no route accepts more. */
export const SERVER_BODY_LIMIT = 1024 * 1024;

/** A body over its route's limit (HTTP 413). */
export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * Returns a request whose body is at most `limit` bytes, read into memory; throws
 * PayloadTooLargeError otherwise. Chunked bodies without a Content-Length are counted as read.
 */
export async function limitBody(request: Request, limit: number): Promise<Request> {
  if (request.body === null) return request;
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw new PayloadTooLargeError(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: Buffer.concat(chunks),
    signal: request.signal,
  });
}
