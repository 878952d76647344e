/**
 * `bun run bench:live`: the dashboard measured in the real browser against the real server
 * (Mosquitto, PostgreSQL, `bun apps/server/src/main.ts`), with 1,000 devices registered.
 *
 * - firstPaint1000Ms: first contentful paint of the server-rendered overview listing 1,000
 *   devices (p95 of several cold page loads).
 * - publishToPaintP95Ms: MQTT publish -> the value shown in the device's tile, after the browser
 *   painted it (a MutationObserver stamps the change, the next animation frame the paint).
 * - commandAckP95Ms: click on a command -> acknowledgement shown; null while the server has no
 *   commands capability.
 *
 * The last line printed is one JSON object with those numbers.
 */
import { freePort } from '@vigil/testkit';
import mqtt from 'mqtt';
import { serveDashboard } from '../src/standalone';
import { ensureBuild, launchChromium, startServices, startVigil, until } from '../test/support';

const DEVICES = 1000;
const PAINT_LOADS = 7;
const LIVE_SAMPLES = 60;
const LIVE_INTERVAL_MS = 100;

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
  LOG_LEVEL: 'warn',
});
const dashboard = await serveDashboard({ apiOrigin: vigil.http, port: 0 });
const publisher = await mqtt.connectAsync(services.mqtt.url, { clientId: 'bench-live' });
const browser = await launchChromium();

try {
  const ids = Array.from({ length: DEVICES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const boot = Date.now();
  await Promise.all(
    ids.map((id) =>
      publisher.publishAsync(
        `devices/${id}/telemetry`,
        JSON.stringify({ ts: Date.now(), boot, seq: 1, metrics: { value: 0, temperature: 20 } }),
        { qos: 1 },
      ),
    ),
  );
  await until(async () => {
    const body = (await (await fetch(`${vigil.http}/devices?limit=5000`)).json()) as {
      devices: unknown[];
    };
    return body.devices.length >= DEVICES ? true : undefined;
  }, 60_000);
  console.log(`${DEVICES} devices registered`);

  const paints: number[] = [];
  for (let i = 0; i < PAINT_LOADS; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(dashboard.url, { waitUntil: 'load' });
    const fcp = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    );
    const tiles = await page.locator('[data-testid=device-tile]').count();
    if (tiles !== DEVICES) throw new Error(`overview listed ${tiles} tiles, expected ${DEVICES}`);
    paints.push(fcp);
    await context.close();
  }
  console.log(
    `first paint with ${DEVICES} devices: ${paints.map((p) => p.toFixed(0)).join(', ')} ms`,
  );

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(dashboard.url);
  await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 15_000 });
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { __paintedAt: Record<string, number> }).__paintedAt = seen;
    new MutationObserver((records) => {
      for (const record of records) {
        const cell = (record.target.parentElement ?? record.target) as Element;
        const holder = cell.closest?.('[data-metric="value"]');
        const text = holder?.textContent;
        if (!text || text === '0') continue;
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
  const painted = await until(async () => {
    const stamps = await page.evaluate(
      () => (window as unknown as { __paintedAt: Record<string, number> }).__paintedAt,
    );
    return Object.keys(stamps).length >= LIVE_SAMPLES ? stamps : undefined;
  }, 15_000);
  const latencies = [...sentAt].map(([marker, sent]) => (painted[marker] ?? Number.NaN) - sent);
  console.log(
    `publish -> paint over ${LIVE_SAMPLES} readings: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${percentile(latencies, 100)} ms`,
  );
  console.log('command -> ack: not measured (the server has no commands capability yet)');
  console.log(
    JSON.stringify({
      publishToPaintP95Ms: percentile(latencies, 95),
      commandAckP95Ms: null,
      firstPaint1000Ms: percentile(paints, 95),
      devices: DEVICES,
    }),
  );
} finally {
  await browser.close();
  await publisher.endAsync();
  await dashboard.stop();
  await vigil.stop();
  await services.mqtt.stop();
}
process.exit(0);
