/**
 * The dashboard as the real Vigil server serves it on its own origin (real Mosquitto, real
 * PostgreSQL) in Debian's Chromium: sign-in (a wrong password answered at once), server-rendered
 * first paint (with more devices than it renders, Danger tiles first and the rest added once the
 * page is live), a published reading appearing live on the overview and the device page, the live
 * indicator across a server restart with what was published meanwhile shown afterwards, a
 * simulated device turning Danger (red, blinking, labelled) when a tamper fault is injected until
 * an operator acknowledges it, an anomaly's evidence anchored on the embedded chain and verified
 * from the alerts page, an alert raised while the live stream is down shown once it resumes, a
 * command acknowledged live, and rejected messages in the dead-letter view.
 * Screenshots go to artifacts/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@vigil/testkit';
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type SimulatedSensor, startSimulatedSensor } from './simulated-sensor';
import {
  createUser,
  ensureBuild,
  launchChromium,
  SCREENSHOTS,
  type Services,
  startServices,
  startVigil,
  until,
  type VigilProcess,
} from './support';

/** Per-test limit: each test waits on a real browser, broker and server. */
const TEST_MS = 30_000;
const ADMIN = {
  username: 'web-admin',
  password: 'correct horse battery staple',
  role: 'admin',
} as const;
const BOOT = 7;

let services: Services;
let vigil: VigilProcess;
let vigilVars: Record<string, string>;
/** The server's origin: API and dashboard alike. */
let origin: string;
let browser: Browser;
/** One signed-in browser profile shared by the tests after sign-in. */
let context: BrowserContext;
let publisher: mqtt.MqttClient;
let seq = 0;

beforeAll(async () => {
  ensureBuild();
  services = await startServices();
  vigilVars = {
    MQTT_URL: services.mqtt.url,
    DATABASE_URL: services.databaseUrl,
    PORT: String(await freePort()),
  };
  vigil = await startVigil(vigilVars);
  origin = vigil.http;
  createUser(services.databaseUrl, ADMIN);
  publisher = await mqtt.connectAsync(services.mqtt.url, { clientId: 'web-test-device' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await publisher?.endAsync();
  await vigil?.stop();
  await services?.mqtt.stop();
});

/** Publishes one v1 reading for `device`. */
async function publish(device: string, metrics: Record<string, number | boolean>): Promise<void> {
  seq += 1;
  const payload = JSON.stringify({ ts: Date.now(), boot: BOOT, seq, metrics });
  await publisher.publishAsync(`devices/${device}/telemetry`, payload, { qos: 1 });
}

/** Cookie header of the signed-in browser profile, for plain HTTP requests. */
async function sessionCookie(): Promise<string> {
  const cookies = await context.cookies(origin);
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** Waits until the API has stored a reading of `device` (so the registry knows it). */
async function stored(device: string): Promise<void> {
  const cookie = await sessionCookie();
  await until(async () => {
    const response = await fetch(`${origin}/devices/${device}/telemetry`, {
      headers: { cookie },
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { readings: unknown[] };
    return body.readings.length > 0 ? true : undefined;
  }, 10_000);
}

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`browser: ${message.text()}`);
  });
  await page.goto(`${origin}${path}`);
  await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 10_000 });
  return page;
}

/** Waits until a tile shows `text` for `metric`. */
function tileShows(page: Page, device: string, metric: string, text: string, timeout: number) {
  return page.waitForFunction(
    ([d, m, t]) =>
      document.querySelector(`[data-device="${d}"] [data-metric="${m}"]`)?.textContent === t,
    [device, metric, text] as const,
    { timeout },
  );
}

type AnomalyRow = {
  id: string;
  deviceId: string;
  type: string;
  severity: string;
  acknowledgedAt: string | null;
  evidence: { status: string } | null;
};

/** The stored anomalies of `device`, newest first, through the REST API. */
async function anomaliesOf(device: string): Promise<AnomalyRow[]> {
  const response = await fetch(`${origin}/anomalies?deviceId=${device}`, {
    headers: { cookie: await sessionCookie() },
  });
  if (!response.ok) throw new Error(`GET /anomalies answered ${response.status}`);
  return ((await response.json()) as { anomalies: AnomalyRow[] }).anomalies;
}

/** Waits until `device` has an anomaly, and returns the newest. */
function firstAnomaly(device: string, timeoutMs: number): Promise<AnomalyRow> {
  return until(async () => (await anomaliesOf(device))[0], timeoutMs);
}

/** Waits until the tile of `device` says `health` ('danger' or 'safe'). */
function tileHealth(page: Page, device: string, health: 'danger' | 'safe', timeout: number) {
  return page
    .locator(`[data-testid=device-tile][data-device="${device}"][data-health=${health}]`)
    .waitFor({ timeout });
}

/** How the tile of `device` looks: its running animation, edge colour and Danger/Safe label. */
function tileLook(page: Page, device: string) {
  return page.evaluate((d) => {
    const tile = document.querySelector(`[data-testid=device-tile][data-device="${d}"]`);
    if (tile === null) throw new Error(`no tile for ${d}`);
    const style = getComputedStyle(tile);
    const [r = 0, g = 0, b = 0] = (style.borderLeftColor.match(/\d+/g) ?? []).map(Number);
    return {
      animation: style.animationName,
      running: tile.getAnimations().length > 0,
      red: r > 150 && g < 100 && b < 100,
      label: tile.querySelector('[data-testid=health]')?.textContent?.trim() ?? '',
    };
  }, device);
}

test(
  'signing in: a visitor is sent to the sign-in page and gets in with the right password',
  async () => {
    const page = await context.newPage();
    await page.goto(origin);
    await page.waitForURL(/\/sign-in\?next=/);
    // A wrong password is told at once: the 401 carries no Basic challenge, which would make
    // Chromium hold the request open for a credentials prompt.
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password').fill('not the password');
    const tried = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor({ timeout: 10_000 });
    console.log(`wrong password -> message shown: ${(performance.now() - tried).toFixed(0)} ms`);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'Wrong user name or password.',
    );
    await expect(page.getByRole('button', { name: 'Sign in' }).isEnabled()).resolves.toBe(true);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}/`);
    await page.locator('h1', { hasText: 'Fleet' }).waitFor({ timeout: 5000 });
    await expect(page.locator('.user').textContent()).resolves.toContain('web-admin (admin)');
    await page.close();
  },
  TEST_MS,
);

test(
  'one origin serves the API and the dashboard, and the start line names the dashboard',
  async () => {
    expect(vigil.dashboard).toBe(`${origin}/`);
    const health = await fetch(`${origin}/health`);
    expect(health.headers.get('content-type')).toContain('application/json');
    await health.body?.cancel();
    const unknownApi = await fetch(`${origin}/devices/web-none/nope`, {
      headers: { cookie: await sessionCookie() },
    });
    expect(unknownApi.status).toBe(404);
    await expect(unknownApi.json()).resolves.toEqual({ error: 'no such route' });
    const signIn = await fetch(`${origin}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('content-type')).toContain('text/html');
    const html = await signIn.text();
    const asset = /\/_app\/immutable\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    const script = await fetch(`${origin}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    await script.body?.cancel();
  },
  TEST_MS,
);

test(
  'the overview is rendered on the server with the registered devices',
  async () => {
    await publish('web-ssr-1', { temperature: 19.25 });
    await stored('web-ssr-1');
    const response = await fetch(origin, { headers: { cookie: await sessionCookie() } });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('data-device="web-ssr-1"');
    // Its stored values are in the first paint, not only those that arrive live.
    expect(html).toMatch(/data-metric="temperature"[^>]*>19\.25</);
  },
  TEST_MS,
);

test(
  'a published reading appears live on the overview',
  async () => {
    await publish('web-live-1', { temperature: 20, humidity: 40 });
    await stored('web-live-1');
    const page = await open('/');
    await page.locator('[data-device="web-live-1"]').waitFor({ timeout: 5000 });

    const sent = performance.now();
    await publish('web-live-1', { temperature: 42.42, humidity: 41 });
    await tileShows(page, 'web-live-1', 'temperature', '42.42', 5000);
    const latencyMs = performance.now() - sent;
    console.log(`publish -> visible on the overview: ${latencyMs.toFixed(0)} ms`);
    expect(latencyMs).toBeLessThan(2000);
    await expect(
      page.locator('[data-device="web-live-1"] [data-testid=presence]').textContent(),
    ).resolves.toContain('Online');
    await page.close();
  },
  TEST_MS,
);

test(
  'search narrows the fleet to matching devices',
  async () => {
    const page = await open('/');
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
    const page = await open('/fleet/web-dev-1');
    await page.setViewportSize({ width: 375, height: 800 });
    const latest = page.locator('[data-testid=latest-values] [data-metric=temperature]');
    await expect(latest.textContent()).resolves.toBe('22.5');
    await publish('web-dev-1', { temperature: 23.75, pressure: 1012.9 });
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=latest-values] [data-metric=temperature]')
          ?.textContent === '23.75',
      undefined,
      { timeout: 5000 },
    );
    await page.locator('.uplot').first().waitFor({ timeout: 5000 });
    // History over the last 24 hours holds the readings of this very minute.
    await page
      .locator('section[aria-labelledby=history-h] .note', { hasText: /[1-9]\d* buckets? of/ })
      .waitFor({ timeout: 10_000 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'device-375px.png'), fullPage: true });
    await page.close();
  },
  TEST_MS,
);

test('a simulated device turns Danger when a tamper fault is injected, blinks, and stops once acknowledged', async () => {
  const device = 'web-sim-1';
  const sensor: SimulatedSensor = await startSimulatedSensor({
    url: services.mqtt.url,
    deviceId: device,
    intervalMs: 500,
    seed: 6,
  });
  try {
    await stored(device);
    const page = await open('/');
    await tileHealth(page, device, 'safe', 10_000);
    expect(await tileLook(page, device)).toMatchObject({ animation: 'none', running: false });

    // One reading of the simulator's tamper fault: motion, a hand at the enclosure, warming.
    const injected = performance.now();
    await sensor.inject('tamper', 1);
    await tileHealth(page, device, 'danger', 15_000);
    console.log(`tamper injected -> Danger shown: ${(performance.now() - injected).toFixed(0)} ms`);
    const danger = await tileLook(page, device);
    expect(danger.animation).toContain('blink');
    expect(danger.running).toBe(true);
    expect(danger.red).toBe(true);
    // Colour is never the only signal: the tile says Danger and names the anomaly.
    expect(danger.label).toContain('Danger');
    const tile = page.locator(`[data-testid=device-tile][data-device="${device}"]`);
    await expect(tile.getByTestId('open-alert').textContent()).resolves.toContain('tamper');
    await expect(page.locator('.danger-count').textContent()).resolves.toMatch(/\d+ in danger/);
    const anomaly = await firstAnomaly(device, 10_000);
    expect(anomaly.type).toBe('tamper');
    expect(sensor.sent().tamper).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true });

    // The device page, opened directly, shows the Danger and the anomaly with its severity.
    const devicePage = await open(`/fleet/${device}`);
    await expect(devicePage.getByTestId('health').textContent()).resolves.toContain('Danger');
    const row = devicePage.locator(`[data-testid=anomaly-row][data-anomaly="${anomaly.id}"]`);
    await row.waitFor({ timeout: 5000 });
    await expect(row.textContent()).resolves.toContain(anomaly.severity);
    await devicePage.locator('.uplot').first().waitFor({ timeout: 5000 });
    await devicePage.screenshot({ path: join(SCREENSHOTS, 'device.png'), fullPage: true });
    await devicePage.close();

    await tile.getByRole('button', { name: 'Acknowledge' }).click();
    await tileHealth(page, device, 'safe', 10_000);
    const calm = await tileLook(page, device);
    expect(calm).toMatchObject({ animation: 'none', running: false, red: false });
    expect(calm.label).toContain('Safe');
    // Recorded on the server: a fresh page stays Safe.
    await until(
      async () => ((await anomaliesOf(device))[0]?.acknowledgedAt ? true : undefined),
      10_000,
    );
    await page.reload();
    await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 10_000 });
    await tileHealth(page, device, 'safe', 10_000);
    await page.close();
  } finally {
    await sensor.stop();
  }
}, 60_000);

test('the alerts page lists the newest anomaly first with its evidence, and verifies it on chain', async () => {
  const device = 'web-evi-1';
  await publish(device, { temperature: 21 });
  await stored(device);
  // Outside the physical range of temperature: a spike by the rules from the first message.
  await publish(device, { temperature: 480 });
  const anomaly = await firstAnomaly(device, 15_000);
  expect(anomaly.type).toBe('spike');

  const page = await open('/alerts');
  const newest = page.locator('[data-testid=anomaly-row]').first();
  await page
    .locator(`[data-testid=anomaly-row][data-anomaly="${anomaly.id}"]`)
    .waitFor({ timeout: 10_000 });
  await expect(newest.getAttribute('data-anomaly')).resolves.toBe(anomaly.id);
  await expect(newest.textContent()).resolves.toContain(device);
  // The embedded chain anchors within seconds; the row updates live when it has.
  await page
    .locator(`[data-testid=anomaly-row][data-anomaly="${anomaly.id}"][data-evidence=anchored]`)
    .waitFor({ timeout: 45_000 });
  const evidence = await newest.locator('td', { hasText: 'anchored' }).textContent();
  expect(evidence).toMatch(/batch \d+/);
  expect(evidence).toMatch(/tx 0x[0-9a-f]+/);
  expect(evidence).toMatch(/block \d+/);

  await newest.getByRole('button', { name: 'Verify on chain' }).click();
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor({ timeout: 15_000 });
  const text = await verdict.textContent();
  expect(text).toContain('✓ Verified on chain');
  expect(text).toContain(`anomaly ${anomaly.id}`);
  expect(text).toMatch(/tx 0x[0-9a-f]+, block \d+/);
  await page.screenshot({ path: join(SCREENSHOTS, 'alerts.png'), fullPage: true });
  await page.close();
}, 60_000);

test('the live indicator shows a dropped connection, and a reading sent meanwhile appears after it returns', async () => {
  await publish('web-gap-1', { temperature: 1 });
  await stored('web-gap-1');
  const page = await open('/');
  // One event first: the page resumes from the last event id it holds.
  await publish('web-gap-1', { temperature: 2 });
  await tileShows(page, 'web-gap-1', 'temperature', '2', 5000);
  await vigil.stop();
  await page
    .locator('[data-testid=live-status][data-status=reconnecting]')
    .waitFor({ timeout: 30_000 });
  await expect(page.getByTestId('live-status').textContent()).resolves.toContain(
    'Live connection down',
  );
  // The broker holds this for the server's persistent session while the server is down.
  await publish('web-gap-1', { temperature: 77 });
  vigil = await startVigil(vigilVars);
  await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 30_000 });
  await tileShows(page, 'web-gap-1', 'temperature', '77', 10_000);
  await page.close();
}, 60_000);

test('an anomaly raised while the live connection is down is shown once the stream resumes', async () => {
  const device = 'web-gap-2';
  await publish(device, { temperature: 20 });
  await stored(device);
  const page = await open('/');
  const streams: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/trpc/events.live')) streams.push(request.url());
  });
  // One event first: the page resumes from the last event id it holds.
  await publish(device, { temperature: 21 });
  await tileShows(page, device, 'temperature', '21', 5000);
  await tileHealth(page, device, 'safe', 5000);

  await vigil.stop();
  await page
    .locator('[data-testid=live-status][data-status=reconnecting]')
    .waitFor({ timeout: 30_000 });
  // The stream stays down until the anomaly exists, so it is raised while the page is not
  // listening and only the resumed stream can tell it.
  await page.route('**/trpc/events.live**', (route) => route.abort('connectionrefused'));
  await publish(device, { temperature: 480 });
  vigil = await startVigil(vigilVars);
  const anomaly = await firstAnomaly(device, 20_000);
  expect(anomaly.type).toBe('spike');
  await expect(page.getByTestId('live-status').getAttribute('data-status')).resolves.not.toBe(
    'live',
  );
  expect(await tileLook(page, device)).toMatchObject({ running: false });

  const before = streams.length;
  await page.unroute('**/trpc/events.live**');
  await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 30_000 });
  await tileHealth(page, device, 'danger', 10_000);
  await expect(
    page.locator(`[data-device="${device}"] [data-testid=open-alert]`).textContent(),
  ).resolves.toContain('spike');
  // The stream that came back asked to resume after the last event the page held.
  const resumed = streams.slice(before).map((url) => decodeURIComponent(url));
  expect(resumed.some((url) => /"lastEventId":"\d+"/.test(url))).toBe(true);
  await page.close();
}, 60_000);

test(
  'a command sent from the device page is acknowledged by the device, live',
  async () => {
    // A device that executes every command it receives and acknowledges it as done.
    const device = await mqtt.connectAsync(services.mqtt.url, { clientId: 'web-cmd-1' });
    await device.publishAsync(
      'devices/web-cmd-1/state',
      JSON.stringify({ online: true, fw: '1.4.0', model: 'generic' }),
      { qos: 1, retain: true },
    );
    await device.subscribeAsync('devices/web-cmd-1/cmd', { qos: 1 });
    device.on('message', (_topic, payload) => {
      const command = JSON.parse(payload.toString()) as { id: string; params: unknown };
      void device.publishAsync(
        'devices/web-cmd-1/cmd/ack',
        JSON.stringify({ id: command.id, status: 'done', result: { applied: command.params } }),
        { qos: 1 },
      );
    });
    try {
      await publish('web-cmd-1', { temperature: 18 });
      await stored('web-cmd-1');
      const page = await open('/fleet/web-cmd-1');
      await page.getByRole('combobox', { name: 'Command' }).selectOption('set_led');
      await page.getByLabel('On').check();
      const clicked = performance.now();
      await page.getByRole('button', { name: 'Send LED' }).click();
      await page
        .locator('[data-testid=command-row][data-status=done]')
        .waitFor({ timeout: 10_000 });
      const ackMs = performance.now() - clicked;
      console.log(`command click -> acknowledgement shown: ${ackMs.toFixed(0)} ms`);
      await expect(
        page.locator('[data-testid=command-row]').first().textContent(),
      ).resolves.toContain('done');
      await page.close();
    } finally {
      await device.endAsync();
    }
  },
  TEST_MS,
);

test(
  'rejected messages are listed with their reasons',
  async () => {
    await publisher.publishAsync('devices/web-bad-1/telemetry', '{not json', { qos: 1 });
    const cookie = await sessionCookie();
    await until(async () => {
      const response = await fetch(`${origin}/dead-letters`, { headers: { cookie } });
      const body = (await response.json()) as { deadLetters: { topic: string }[] };
      return body.deadLetters.some((d) => d.topic === 'devices/web-bad-1/telemetry')
        ? true
        : undefined;
    }, 10_000);
    const page = await open('/admin/dead-letters');
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
  'with more devices than the server renders, a Danger device is in the first paint and every device is listed once the page is live',
  async () => {
    const many = Array.from({ length: 70 }, (_, i) => `web-many-${String(i).padStart(2, '0')}`);
    for (const device of many) await publish(device, { temperature: 20 });
    // Last by id: only sorting Danger first brings it into the server-rendered tiles.
    const danger = 'web-many-69';
    await stored(danger);
    await publish(danger, { temperature: 480 });
    await firstAnomaly(danger, 15_000);

    const response = await fetch(origin, { headers: { cookie: await sessionCookie() } });
    const html = await response.text();
    const total = Number(/(\d+) devices · /.exec(html)?.[1]);
    const served = html.match(/data-testid="device-tile"/g)?.length ?? 0;
    expect(total).toBeGreaterThanOrEqual(many.length);
    expect(served).toBeLessThan(total);
    expect(html).toContain(`data-device="${danger}" data-health="danger"`);

    const page = await open('/');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=device-tile]').length === n,
      total,
      { timeout: 10_000 },
    );
    await page.close();
  },
  TEST_MS,
);
