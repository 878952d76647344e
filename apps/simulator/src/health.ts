const ATTEMPT_TIMEOUT_MS = 2_000;

/** Thrown when the server never became healthy; the message says why. */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
}

export type HealthWaitOptions = {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts (default 250 ms). */
  pollMs?: number;
  /** Resolves with the exit code if the server process ends; waiting stops at once then. */
  exited?: Promise<number | null>;
};

/**
 * Polls `url` until it answers 200. Fails early when the server process exits, and after
 * `timeoutMs` (plus at most one 2 s attempt) with the last status and body (the server names the
 * failing part in a 503).
 */
export async function waitForHealth(url: string, options: HealthWaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exitCode: number | null | undefined;
  let exitedFlag = false;
  void options.exited?.then((code) => {
    exitCode = code;
    exitedFlag = true;
  });
  let last = 'no answer yet';
  while (true) {
    if (exitedFlag) {
      throw new ServerStartError(`the server exited (code ${exitCode}) before ${url} answered 200`);
    }
    if (Date.now() >= deadline) {
      throw new ServerStartError(
        `${url} did not answer 200 within ${options.timeoutMs} ms (${last})`,
      );
    }
    try {
      // A fixed per-attempt limit, not the time remaining: the error then reports the server's
      // last real answer rather than an abort at the deadline.
      const response = await fetch(url, { signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
      if (response.status === 200) return;
      last = `last answer ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = `last error: ${(error as Error).message}`;
    }
    const pause = Bun.sleep(options.pollMs ?? 250);
    await (options.exited === undefined ? pause : Promise.race([pause, options.exited]));
  }
}
