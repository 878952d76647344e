import { describe, expect, test } from 'bun:test';
import { decodeTelemetry } from '@vigil/protocol';
import { generateMalformed } from './malformed';

describe('generateMalformed', () => {
  const payloads = generateMalformed(1400, 42);

  test('covers every kind', () => {
    const kinds = new Set(payloads.map((p) => p.kind));
    expect([...kinds].sort()).toEqual([
      'bad_json',
      'deep_nesting',
      'invalid_utf8',
      'nan_infinity',
      'oversize',
      'skewed_clock',
      'wrong_type',
    ]);
  });

  test('the protocol decoder rejects every one of them, with a reason', () => {
    const accepted = payloads.filter(
      (p) => decodeTelemetry('devices/flood-1/telemetry', p.payload, { receivedAt: Date.now() }).ok,
    );
    expect(accepted.map((p) => `${p.kind}: ${new TextDecoder().decode(p.payload)}`)).toEqual([]);
  });

  test('is reproducible from its seed', () => {
    expect(generateMalformed(50, 7, 1e12)).toEqual(generateMalformed(50, 7, 1e12));
  });
});
