/**
 * A JSON-RPC endpoint that can be taken down: an HTTP proxy on its own loopback port in front of
 * the scenario's chain. Down, the port refuses connections (as a node that crashed or a provider
 * that is unreachable); up again, the same port forwards to the same chain, with its state intact
 * (stopping the Hardhat node itself would lose every block).
 */

import { freePort } from '@vigil/testkit';
import type { Server } from 'bun';

export class ChainProxy {
  #server: Server<undefined> | undefined;
  #port = 0;
  /** Requests forwarded while up (a sign the server kept trying). */
  forwarded = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get up(): boolean {
    return this.#server !== undefined;
  }

  /** Starts (or restarts) forwarding on the proxy's port. */
  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    if (this.#port === 0) this.#port = await freePort();
    const target = this.target;
    this.#server = Bun.serve({
      hostname: '127.0.0.1',
      port: this.#port,
      fetch: async (request) => {
        this.forwarded += 1;
        const response = await fetch(target, {
          method: request.method,
          headers: { 'content-type': 'application/json' },
          body: await request.arrayBuffer(),
        });
        return new Response(await response.arrayBuffer(), {
          status: response.status,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
  }

  /** Closes the port and every open connection: the chain is unreachable until start(). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.stop(true);
  }
}
