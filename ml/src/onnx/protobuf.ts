const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/**
 * A minimal protobuf writer for the handful of ONNX messages the exporter needs. Fields are
 * written in the order the caller gives, so the output bytes are a pure function of the input.
 */
export class ProtoWriter {
  private readonly bytes: number[] = [];

  /** An unsigned integer field (also int32/int64/enum with non-negative values). */
  uint(field: number, value: number): this {
    this.tag(field, VARINT);
    this.varint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  /** A float field (fixed32, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.float32(value);
    return this;
  }

  /** A nested message. */
  message(field: number, inner: ProtoWriter): this {
    return this.raw(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.float32(v);
    return this.raw(field, inner.finish());
  }

  /** A packed repeated non-negative integer field. */
  packedUints(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.raw(field, inner.finish());
  }

  /** A length-delimited field holding `data` verbatim. */
  raw(field: number, data: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`protobuf varint must be a non-negative safe integer, got ${value}`);
    }
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }

  private float32(value: number): void {
    const buf = new DataView(new ArrayBuffer(4));
    buf.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(buf.getUint8(i));
  }
}
