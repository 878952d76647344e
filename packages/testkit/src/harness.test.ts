import { afterAll, describe, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { MissingBinaryError, requireBinary } from './binaries';
import { mosquittoConfig, startMosquitto } from './mosquitto';
import { sharedPostgres } from './shared';

describe('postgres harness', () => {
  // The first call starts the cluster: initdb alone can pass bun's 5 s default on a busy machine.
  test('createDatabase gives isolated databases on a real cluster', async () => {
    const pg = await sharedPostgres();
    const a = await pg.createDatabase();
    const b = await pg.createDatabase();
    expect(a).not.toBe(b);
    const sqlA = new SQL(a);
    const sqlB = new SQL(b);
    try {
      await sqlA`create table marker (x int)`;
      const inB = await sqlB`select count(*)::int as n from pg_tables where tablename = 'marker'`;
      expect(inB[0].n).toBe(0);
      const [{ version }] =
        await sqlA`select current_setting('server_version_num')::int as version`;
      expect(version).toBeGreaterThanOrEqual(150000);
    } finally {
      await sqlA.close();
      await sqlB.close();
    }
  }, 60_000);

  test('sharedPostgres returns the same cluster', async () => {
    expect((await sharedPostgres()).url).toBe((await sharedPostgres()).url);
  });
});

describe('mosquitto harness', () => {
  const brokers: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => {
    for (const broker of brokers) await broker.stop();
  });

  test('a real broker delivers a QoS 1 message and survives a SIGKILL restart', async () => {
    const broker = await startMosquitto();
    brokers.push(broker);
    const sub = Bun.spawn(
      [
        'mosquitto_sub',
        '-p',
        String(broker.port),
        '-t',
        'harness/#',
        '-C',
        '1',
        '-W',
        '5',
        '-q',
        '1',
      ],
      { stdout: 'pipe' },
    );
    await Bun.sleep(200);
    const pub = Bun.spawnSync([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-t',
      'harness/x',
      '-m',
      'hello',
      '-q',
      '1',
    ]);
    expect(pub.exitCode).toBe(0);
    expect((await new Response(sub.stdout).text()).trim()).toBe('hello');

    const before = broker.pid();
    await broker.kill('SIGKILL');
    await broker.restart();
    expect(broker.pid()).not.toBe(before);
    const again = Bun.spawnSync([
      'mosquitto_pub',
      '-p',
      String(broker.port),
      '-t',
      'harness/y',
      '-m',
      'x',
      '-q',
      '1',
    ]);
    expect(again.exitCode).toBe(0);
  });

  test('the generated config replaces listener and auth lines but keeps shipped settings', () => {
    const text = mosquittoConfig(1234, '/tmp/x', { config: 'max_keepalive 30' });
    expect(text).toContain('listener 1234 127.0.0.1');
    expect(text).toContain('persistence_location /tmp/x/');
    expect(text).toContain('allow_anonymous true');
    expect(text.match(/^\s*listener\b/gm)?.length).toBe(1);
    expect(text.trim().endsWith('max_keepalive 30')).toBe(true);
    expect(mosquittoConfig(1, '/d', { anonymous: false })).toContain('allow_anonymous false');
  });

  test('dynsec: the admin account connects, anonymous clients are refused', async () => {
    const broker = await startMosquitto({ dynsec: { username: 'boss', password: 'boss-pass' } });
    brokers.push(broker);
    const sub = (args: string[]) =>
      Bun.spawnSync(
        [
          'mosquitto_sub',
          '-p',
          String(broker.port),
          '-t',
          '$SYS/broker/version',
          '-C',
          '1',
          '-W',
          '5',
          ...args,
        ],
        { stdout: 'pipe', stderr: 'pipe' },
      );
    const admin = sub(['-u', 'boss', '-P', 'boss-pass']);
    expect(admin.stdout.toString()).toContain('mosquitto version');
    const anonymous = sub([]);
    expect(anonymous.exitCode).not.toBe(0);
    expect(anonymous.stderr.toString()).toContain('not authorised');
  });

  test('the TLS listener is configured for TLS 1.2 and up with optional client certificates', () => {
    const text = mosquittoConfig(
      1,
      '/d',
      {
        tls: {
          certfile: '/c/s.crt',
          keyfile: '/c/s.key',
          cafile: '/c/ca.crt',
          requireCertificate: true,
        },
      },
      { tlsPort: 2 },
    );
    expect(text).toContain('listener 2 127.0.0.1');
    expect(text).toContain('tls_version tlsv1.2');
    expect(text).toContain('require_certificate true');
    expect(text).toContain('cafile /c/ca.crt');
  });
});

test('a missing binary names the Debian package to install', () => {
  expect(() => requireBinary('vigil-no-such-binary', 'vigil-pkg')).toThrow(MissingBinaryError);
  expect(() => requireBinary('vigil-no-such-binary', 'vigil-pkg')).toThrow(
    'apt-get install -y vigil-pkg',
  );
});
