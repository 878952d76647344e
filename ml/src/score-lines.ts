import { parseTopic, timestampMs } from '@vigil/protocol';
import type { Detector, ScoreItem } from './detector';

/** One output line of ml:score. */
export type ScoreLine =
  | { i: number; score: number; anomaly: boolean; type: string | null }
  | { i: number; error: string };

type Parsed = { ok: true; item: ScoreItem } | { ok: false; error: string };

const BATCH = 1_000;

/**
 * Scores recorded traffic, one JSON object per line: {"device","topic","payload","receivedAt"?}
 * in arrival order. `payload` is the message as received: a JSON object (re-serialised) or a
 * string (used byte for byte). Without receivedAt the payload's own ts stands in (clock skew is
 * then invisible), else the previous line's. The model judges a device from its 900th reading on
 * (rules from the first). A bad line yields {"i","error"} naming its line
 * number and the run goes on.
 */
export async function scoreLines(
  detector: Detector,
  lines: readonly string[],
): Promise<ScoreLine[]> {
  const out: ScoreLine[] = [];
  let pending: Array<{ i: number; item: ScoreItem }> = [];
  let lastReceivedAt: number | null = null;
  const flush = async () => {
    const scored = await detector.scoreBatch(pending.map((p) => p.item));
    scored.forEach((s, k) => {
      out.push({
        i: (pending[k] as { i: number }).i,
        score: round(s.score),
        anomaly: s.anomaly,
        type: s.type,
      });
    });
    pending = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] as string).trim();
    if (text === '') continue;
    const parsed = parseLine(text, lastReceivedAt);
    if (!parsed.ok) {
      await flush();
      out.push({ i, error: `line ${i + 1}: ${parsed.error}` });
      continue;
    }
    lastReceivedAt = parsed.item.receivedAt;
    pending.push({ i, item: parsed.item });
    if (pending.length >= BATCH) await flush();
  }
  await flush();
  return out;
}

function parseLine(text: string, lastReceivedAt: number | null): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, error: 'expected a JSON object' };
  const { device, topic, payload, receivedAt } = value as Record<string, unknown>;
  if (typeof device !== 'string' || device === '')
    return { ok: false, error: '"device" must be a non-empty string' };
  if (typeof topic !== 'string' || topic === '')
    return { ok: false, error: '"topic" must be a non-empty string' };
  let payloadText: string;
  if (typeof payload === 'string') payloadText = payload;
  else if (payload !== null && typeof payload === 'object') payloadText = JSON.stringify(payload);
  else
    return {
      ok: false,
      error: '"payload" must be the message as received: a JSON object or a string',
    };
  if (
    receivedAt !== undefined &&
    !(typeof receivedAt === 'number' && Number.isFinite(receivedAt) && receivedAt >= 0)
  ) {
    return { ok: false, error: '"receivedAt" must be epoch milliseconds' };
  }
  const at = receivedAt ?? ownTimestamp(payload) ?? lastReceivedAt;
  if (at === null) return { ok: false, error: 'no "receivedAt", and the payload has no usable ts' };
  const topicDevice = parseTopic(topic)?.deviceId ?? topic.split('/')[2];
  if (topicDevice !== undefined && topicDevice !== device) {
    return {
      ok: false,
      error: `"device" ${JSON.stringify(device)} is not the device of topic ${JSON.stringify(topic)}`,
    };
  }
  return {
    ok: true,
    item: {
      deviceId: device,
      topic,
      payload: new TextEncoder().encode(payloadText),
      receivedAt: at,
    },
  };
}

function ownTimestamp(payload: unknown): number | null {
  let value = payload;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (value === null || typeof value !== 'object') return null;
  const ts = (value as Record<string, unknown>).ts;
  return typeof ts === 'string' || typeof ts === 'number' ? timestampMs(ts) : null;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
