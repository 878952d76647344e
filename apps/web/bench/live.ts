/**
 * `bun run bench:live`: the dashboard measured in the real browser as the real server serves it
 * (Mosquitto, PostgreSQL, `bun apps/server/src/main.ts`), with 1,000 devices registered.
 *
 * - firstPaint1000Ms: first contentful paint of the server-rendered overview of 1,000 devices
 *   (p95 of several cold page loads); each load must then list all 1,000 tiles.
 * - publishToPaintP95Ms: MQTT publish -> the value shown in the device's tile, after the browser
 *   painted it (a MutationObserver stamps the change, the next animation frame the paint).
 * - commandAckP95Ms: click on "Send" -> the device's acknowledgement shown on the device page,
 *   against an MQTT device that acknowledges at once.
 *
 * The last line printed is one JSON object with those numbers.
 */
import { freePort } from '@vigil/testkit';
import mqtt from 'mqtt';
import {
  createUser,
  ensureBuild,
  launchChromium,
  startServices,
  startVigil,
  until,
} from '../test/support';

const DEVICES = 1000;
const PAINT_LOADS = 7;
const LIVE_SAMPLES = 60;
const LIVE_INTERVAL_MS = 100;
const COMMAND_SAMPLES = 20;
const USER = { username: 'bench', password: 'bench password 1234', role: 'operator' } as const;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? Number.NaN) * 10) / 10;
}

ensureBuild();
const services = await startServices();
const vigil = await startVigil({
  MQTT_URL: services.mqtt.url,
  DATABASE_URL: services.databaseUrl,
  PORT: String(await freePort()),
});
createUser(services.databaseUrl, USER);
/** The Vigil server serves the dashboard on its own origin. */
const origin = vigil.http;
const login = await fetch(`${origin}/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: USER.username, password: USER.password }),
});
if (!login.ok) throw new Error(`sign-in failed: HTTP ${login.status}`);
const sessionCookie = login.headers
  .getSetCookie()
  .map((c) => c.split(';')[0])
  .join('; ');
const cookies = sessionCookie.split('; ').map((pair) => {
  const [name = '', ...rest] = pair.split('=');
  return { name, value: rest.join('='), url: origin };
});
const publisher = await mqtt.connectAsync(services.mqtt.url, { clientId: 'bench-live' });
const browser = await launchChromium();

try {
  const ids = Array.from({ length: DEVICES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const boot = 1;
  await Promise.all(
    ids.map((id) =>
      publisher.publishAsync(
        `devices/${id}/telemetry`,
        JSON.stringify({ ts: Date.now(), boot, seq: 1, metrics: { value: 0, temperature: 20 } }),
        { qos: 1 },
      ),
    ),
  );
  let registered = 0;
  let lastProblem = '';
  await until(async () => {
    const response = await fetch(`${origin}/devices?limit=5000`, {
      headers: { cookie: sessionCookie },
    });
    const body = (await response.json().catch((error: Error) => ({ error: error.message }))) as {
      devices?: unknown[];
      error?: string;
    };
    if (body.devices === undefined) {
      lastProblem = `HTTP ${response.status} ${body.error}`;
      return undefined;
    }
    registered = body.devices.length;
    return registered >= DEVICES ? true : undefined;
  }, 60_000).catch((error: Error) => {
    throw new Error(
      `${registered} of ${DEVICES} devices registered (${lastProblem}): ${error.message}`,
    );
  });
  console.log(`${DEVICES} devices registered`);

  const paints: number[] = [];
  for (let i = 0; i < PAINT_LOADS; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(origin, { waitUntil: 'load' });
    // The paint entry can come after the load event: waited for, never read as missing (a NaN
    // would sort anywhere and skew the percentile).
    const fcp = await page.evaluate(
      (timeoutMs) =>
        new Promise<number>((resolve) => {
          setTimeout(() => resolve(Number.NaN), timeoutMs);
          new PerformanceObserver((list) => {
            const entry = list.getEntriesByName('first-contentful-paint')[0];
            if (entry) resolve(entry.startTime);
          }).observe({ type: 'paint', buffered: true });
        }),
      10_000,
    );
    if (Number.isNaN(fcp)) throw new Error('no first-contentful-paint within 10 s');
    // The server renders the first screenful of tiles; the browser adds the rest on hydration.
    const tiles = await page
      .waitForFunction(
        (n) => document.querySelectorAll('[data-testid=device-tile]').length >= n,
        DEVICES,
        { timeout: 10_000 },
      )
      .then(
        () => page.locator('[data-testid=device-tile]').count(),
        () => page.locator('[data-testid=device-tile]').count(),
      );
    if (tiles !== DEVICES) throw new Error(`overview listed ${tiles} tiles, expected ${DEVICES}`);
    paints.push(fcp);
    await context.close();
  }
  console.log(
    `first paint with ${DEVICES} devices: ${paints.map((p) => p.toFixed(0)).join(', ')} ms`,
  );

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies(cookies);
  const page = await context.newPage();
  await page.goto(origin);
  await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 15_000 });
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { __paintedAt: Record<string, number> }).__paintedAt = seen;
    // A tile's value cell is created on its first reading and edited after: scan the cells on
    // every DOM change and stamp each new value at the next frame.
    new MutationObserver(() => {
      for (const cell of document.querySelectorAll('[data-metric="value"]')) {
        const text = cell.textContent;
        if (!text || text === '0' || seen[text] !== undefined) continue;
        requestAnimationFrame(() => {
          seen[text] ??= performance.timeOrigin + performance.now();
        });
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const sentAt = new Map<string, number>();
  for (let i = 1; i <= LIVE_SAMPLES; i += 1) {
    const id = ids[(i * 37) % DEVICES] ?? 'bench-0000';
    const marker = String(1000 + i);
    sentAt.set(marker, Date.now());
    await publisher.publishAsync(
      `devices/${id}/telemetry`,
      JSON.stringify({
        ts: Date.now(),
        boot,
        seq: 1 + i,
        metrics: { value: 1000 + i, temperature: 21 },
      }),
      { qos: 1 },
    );
    await Bun.sleep(LIVE_INTERVAL_MS);
  }
  // Waits up to 15 s for every marker; readings never painted count as missing, not as fast.
  let painted: Record<string, number> = {};
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    painted = await page.evaluate(
      () => (window as unknown as { __paintedAt: Record<string, number> }).__paintedAt,
    );
    if (Object.keys(painted).length >= LIVE_SAMPLES) break;
    await Bun.sleep(200);
  }
  const missing = LIVE_SAMPLES - Object.keys(painted).length;
  const liveTitle = await page.getByTestId('live-status').getAttribute('title');
  console.log(`live feed: ${liveTitle}`);
  if (missing > 0) console.log(`${missing} of ${LIVE_SAMPLES} readings never showed on the page`);
  const latencies = [...sentAt]
    .filter(([marker]) => painted[marker] !== undefined)
    .map(([marker, sent]) => (painted[marker] ?? 0) - sent);
  console.log(
    `publish -> paint over ${LIVE_SAMPLES} readings: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${percentile(latencies, 100)} ms`,
  );

  // Commands: a device that acknowledges at once; click -> 'done' shown on the device page.
  const device = await mqtt.connectAsync(services.mqtt.url, { clientId: 'bench-cmd' });
  await device.subscribeAsync('devices/bench-0000/cmd', { qos: 1 });
  device.on('message', (_topic, payload) => {
    const { id } = JSON.parse(payload.toString()) as { id: string };
    void device.publishAsync('devices/bench-0000/cmd/ack', JSON.stringify({ id, status: 'done' }), {
      qos: 1,
    });
  });
  const devicePage = await context.newPage();
  await devicePage.goto(`${origin}/fleet/bench-0000`);
  await devicePage.locator('[data-testid=live-status][data-status=live]').waitFor();
  await devicePage.getByRole('combobox', { name: 'Command' }).selectOption('set_led');
  const acks: number[] = [];
  for (let i = 1; i <= COMMAND_SAMPLES; i += 1) {
    const clicked = performance.now();
    await devicePage.getByRole('button', { name: 'Send LED' }).click();
    await devicePage.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=command-row][data-status=done]').length >= n,
      i,
      { timeout: 10_000 },
    );
    acks.push(performance.now() - clicked);
  }
  await device.endAsync();
  console.log(
    `command click -> ack shown over ${COMMAND_SAMPLES}: p50 ${percentile(acks, 50)} ms, p95 ${percentile(acks, 95)} ms`,
  );
  console.log(
    JSON.stringify({
      publishToPaintP95Ms: percentile(latencies, 95),
      commandAckP95Ms: percentile(acks, 95),
      firstPaint1000Ms: percentile(paints, 95),
      devices: DEVICES,
    }),
  );
} finally {
  await browser.close();
  await publisher.endAsync();
  await vigil.stop();
  await services.mqtt.stop();
}
process.exit(0);
