/**
 * The dashboard against the real Vigil server (real Mosquitto, real PostgreSQL) in Debian's
 * Chromium: server-rendered first paint, a published reading appearing live on the overview and
 * the device page, the live indicator across a server restart with what was published meanwhile
 * shown afterwards, and rejected messages in the dead-letter view. Screenshots go to
 * artifacts/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@vigil/testkit';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { serveDashboard } from '../src/standalone';
import {
  ensureBuild,
  launchChromium,
  SCREENSHOTS,
  type Services,
  startServices,
  startVigil,
  until,
  type VigilProcess,
} from './support';

let services: Services;
let vigil: VigilProcess;
let vigilVars: Record<string, string>;
let dashboard: { url: string; stop(): Promise<void> };
let browser: Browser;
let publisher: mqtt.MqttClient;
let seq = 0;
const BOOT = 7;
/** Per-test limit: each test waits on a real browser, broker and server. */
const TEST_MS = 30_000;

beforeAll(async () => {
  ensureBuild();
  services = await startServices();
  vigilVars = {
    MQTT_URL: services.mqtt.url,
    DATABASE_URL: services.databaseUrl,
    PORT: String(await freePort()),
  };
  vigil = await startVigil(vigilVars);
  dashboard = await serveDashboard({ apiOrigin: vigil.http, port: 0 });
  publisher = await mqtt.connectAsync(services.mqtt.url, { clientId: 'web-test-device' });
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await publisher?.endAsync();
  await dashboard?.stop();
  await vigil?.stop();
  await services?.mqtt.stop();
}, TEST_MS);

/** Publishes one v1 reading for `device` and returns its time. */
async function publish(device: string, metrics: Record<string, number | boolean>): Promise<number> {
  seq += 1;
  const ts = Date.now();
  await publisher.publishAsync(
    `devices/${device}/telemetry`,
    JSON.stringify({ ts, boot: BOOT, seq, metrics }),
    {
      qos: 1,
    },
  );
  return ts;
}

/** Waits until the API has stored a reading of `device` (so the registry knows it). */
async function stored(device: string): Promise<void> {
  await until(async () => {
    const response = await fetch(`${vigil.http}/devices/${device}/telemetry`);
    if (!response.ok) return undefined;
    const body = (await response.json()) as { readings: unknown[] };
    return body.readings.length > 0 ? true : undefined;
  }, 10_000);
}

async function openOverview(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`browser: ${message.text()}`);
  });
  await page.goto(dashboard.url);
  await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 10_000 });
  return page;
}

function metricOf(page: Page, device: string, metric: string) {
  return page.locator(
    `[data-testid=device-tile][data-device="${device}"] [data-metric="${metric}"]`,
  );
}

test(
  'the overview is rendered on the server with the registered devices',
  async () => {
    await publish('web-ssr-1', { temperature: 19.25 });
    await stored('web-ssr-1');
    const html = await (await fetch(dashboard.url)).text();
    expect(html).toContain('data-device="web-ssr-1"');
    expect(html).toContain('Fleet');
  },
  TEST_MS,
);

test(
  'a published reading appears live on the overview',
  async () => {
    await publish('web-live-1', { temperature: 20, humidity: 40 });
    await stored('web-live-1');
    const page = await openOverview();
    await expect(metricOf(page, 'web-live-1', 'temperature').textContent()).resolves.toBe('20');

    const sent = performance.now();
    await publish('web-live-1', { temperature: 42.42, humidity: 41 });
    await page.waitForFunction(
      () =>
        document.querySelector('[data-device="web-live-1"] [data-metric="temperature"]')
          ?.textContent === '42.42',
      undefined,
      { timeout: 5000 },
    );
    const latencyMs = performance.now() - sent;
    console.log(`publish -> visible on the overview: ${latencyMs.toFixed(0)} ms`);
    expect(latencyMs).toBeLessThan(2000);
    await expect(
      page.locator('[data-device="web-live-1"] [data-testid=presence]').textContent(),
    ).resolves.toContain('Online');
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });
    await page.close();
  },
  TEST_MS,
);

test(
  'search narrows the fleet to matching devices',
  async () => {
    const page = await openOverview();
    await page.getByPlaceholder('Search by id or name').fill('web-live');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=device-tile]').length === 1,
    );
    await expect(
      page.locator('[data-testid=device-tile]').getAttribute('data-device'),
    ).resolves.toBe('web-live-1');
    await page.close();
  },
  TEST_MS,
);

test(
  'the device page shows live values and charts, usable at 375 px',
  async () => {
    await publish('web-dev-1', { temperature: 22.5, pressure: 1013.2 });
    await stored('web-dev-1');
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${dashboard.url}/fleet/web-dev-1`);
    await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 10_000 });
    await expect(
      page.locator('[data-testid=latest-values] [data-metric=temperature]').textContent(),
    ).resolves.toBe('22.50');
    await publish('web-dev-1', { temperature: 23.75, pressure: 1012.9 });
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=latest-values] [data-metric=temperature]')
          ?.textContent === '23.75',
      undefined,
      { timeout: 5000 },
    );
    await page.locator('.uplot').first().waitFor({ timeout: 5000 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'device.png'), fullPage: true });
    await page.close();
  },
  TEST_MS,
);

test('the live indicator shows a dropped connection, and readings sent meanwhile appear after it returns', async () => {
  await publish('web-gap-1', { temperature: 1 });
  await stored('web-gap-1');
  const page = await openOverview();
  await vigil.stop();
  await page
    .locator('[data-testid=live-status][data-status=reconnecting]')
    .waitFor({ timeout: 30_000 });
  // The broker holds this for the server's persistent session while the server is down.
  await publish('web-gap-1', { temperature: 77 });
  vigil = await startVigil(vigilVars);
  await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () =>
      document.querySelector('[data-device="web-gap-1"] [data-metric="temperature"]')
        ?.textContent === '77',
    undefined,
    { timeout: 10_000 },
  );
  await page.close();
}, 60_000);

test(
  'rejected messages are listed with their reasons',
  async () => {
    await publisher.publishAsync('devices/web-bad-1/telemetry', '{not json', { qos: 1 });
    await until(async () => {
      const response = await fetch(`${vigil.http}/dead-letters`);
      const body = (await response.json()) as { deadLetters: { topic: string }[] };
      return body.deadLetters.some((d) => d.topic === 'devices/web-bad-1/telemetry')
        ? true
        : undefined;
    }, 10_000);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${dashboard.url}/admin/dead-letters`);
    const row = page.locator('[data-testid=dead-letter-row]', {
      hasText: 'devices/web-bad-1/telemetry',
    });
    await row.waitFor({ timeout: 5000 });
    await expect(row.textContent()).resolves.toContain('{not json');
    await page.close();
  },
  TEST_MS,
);

test(
  'the alerts page renders',
  async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${dashboard.url}/alerts`);
    await page.locator('h1', { hasText: 'Alerts' }).waitFor({ timeout: 5000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'alerts.png'), fullPage: true });
    await page.close();
  },
  TEST_MS,
);
