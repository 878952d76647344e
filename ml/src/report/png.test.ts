import { describe, expect, test } from 'bun:test';
import { inflateSync } from 'node:zlib';
import { encodePng, Raster } from './png';

describe('PNG encoder', () => {
  test('writes a valid PNG whose pixels decode back', () => {
    const raster = new Raster(3, 2);
    raster.set(1, 0, [255, 0, 0]);
    raster.set(2, 1, [0, 0, 255]);
    const png = encodePng(raster);
    expect(Array.from(png.subarray(0, 8))).toEqual([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([3, 2]);
    // IHDR CRC covers type + data.
    expect(view.getUint32(29)).toBe(Bun.hash.crc32(png.subarray(12, 29)));
    const idatLength = view.getUint32(33);
    expect(new TextDecoder().decode(png.subarray(37, 41))).toBe('IDAT');
    const rows = inflateSync(png.subarray(41, 41 + idatLength));
    expect(rows.length).toBe(2 * (3 * 3 + 1));
    expect(Array.from(rows.subarray(1 + 3, 1 + 6))).toEqual([255, 0, 0]);
    expect(Array.from(rows.subarray(10 + 1 + 6, 10 + 1 + 9))).toEqual([0, 0, 255]);
    expect(new TextDecoder().decode(png.subarray(png.length - 8, png.length - 4))).toBe('IEND');
  });
});
