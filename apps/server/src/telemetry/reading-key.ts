/**
 * A row of `readings` is identified by (device, ts, boot, seq), its unique key. As one string it
 * keys the in-memory sets and maps that match readings: repeats within an ingest batch, rows the
 * database reports as already stored, redeliveries within a scoring run, anomalies per reading.
 */
export function readingKey(deviceId: string, tsMs: number, boot: number, seq: number): string {
  return `${deviceId}\u0000${tsMs}\u0000${boot}\u0000${seq}`;
}
