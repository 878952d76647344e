import { afterAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { type RunningPostgres, signalPostgres, startPostgres } from './postgres';

const clusters: RunningPostgres[] = [];
afterAll(async () => {
  for (const cluster of clusters) await cluster.stop();
});

/** Answers `select 1` within `ms`, or 'timeout'. */
async function probe(sql: SQL, ms: number): Promise<number | 'timeout'> {
  const answer = sql`select 1 as one`.then((rows) => rows[0].one as number);
  return await Promise.race([answer, Bun.sleep(ms).then(() => 'timeout' as const)]);
}

test('a frozen cluster answers nothing, thaws, and still stops in bounded time', async () => {
  const pg = await startPostgres();
  clusters.push(pg);
  // An open connection: its backend must freeze too, not only the postmaster.
  const sql = new SQL({ url: pg.url, max: 1 });
  try {
    expect(await probe(sql, 5000)).toBe(1);

    signalPostgres(pg.pid, 'SIGSTOP');
    expect(await probe(sql, 1000)).toBe('timeout');
    signalPostgres(pg.pid, 'SIGCONT');
    expect(await probe(sql, 5000)).toBe(1);

    // A bare stop/continue of the postmaster alone leaves `runuser` (root) stopped behind it.
    process.kill(pg.pid, 'SIGSTOP');
    await Bun.sleep(200);
    process.kill(pg.pid, 'SIGCONT');
    signalPostgres(pg.pid, 'SIGSTOP');
  } finally {
    void sql.close({ timeout: 0 }).catch(() => {});
  }
  const started = performance.now();
  await pg.stop();
  clusters.pop();
  expect(performance.now() - started).toBeLessThan(15_000);
  expect(() => process.kill(pg.pid, 0)).toThrow();
}, 60_000);
