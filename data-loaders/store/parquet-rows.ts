// The number of rows of a Parquet file, read from its footer without DuckDB: the site's pages and
// downloads need it per run (a run's CSV download exists up to a row limit), and a page loader
// that finds every digest in the memo never loads DuckDB, whose start costs a quarter of a second.
//
// A Parquet file ends with its metadata, the 4-byte little-endian length of that metadata and the
// magic bytes `PAR1`. The metadata is a Thrift struct in the compact protocol; its field 3 is
// `num_rows` (an i64). Field 1 (the format version) and field 2 (the schema, a list of structs)
// come before it, so the reader walks the fields in order, skipping each by its type, until it
// reaches field 3. The compact protocol, as Parquet uses it:
// - a field starts with a byte: the high nibble is the field id's increase over the previous
//   field (0: the id follows as a zigzag varint), the low nibble its type; type 0 ends a struct;
// - types: 1 and 2 are true and false (no payload), 3 a byte, 4/5/6 i16/i32/i64 as zigzag
//   varints, 7 a double (8 bytes), 8 binary (a varint length, then the bytes), 9/10 list/set (a
//   byte: the size in the high nibble, 15 meaning a varint size follows, the element type in the
//   low nibble), 11 a map (a varint size, then a byte of key and value types when not empty),
//   12 a struct.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

const MAGIC = "PAR1";
const NUM_ROWS = 3;

/** The number of rows of the Parquet file at `path`; an error names the file when it is not Parquet. */
export function parquetRowCount(path: string): number {
  const metadata = readFooter(path);
  const reader = new CompactReader(metadata, path);
  let id = 0;
  for (;;) {
    const header = reader.byte();
    const type = header & 0x0f;
    if (type === 0) throw new Error(`${path}: the Parquet footer has no num_rows`);
    const delta = header >> 4;
    id = delta === 0 ? reader.zigzag() : id + delta;
    if (id === NUM_ROWS && type === 6) return reader.zigzag();
    reader.skip(type);
  }
}

function readFooter(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const { size } = fstatSync(fd);
    const tail = Buffer.alloc(8);
    if (size < 12 || readSync(fd, tail, 0, 8, size - 8) !== 8 || tail.toString("latin1", 4) !== MAGIC)
      throw new Error(`${path}: not a Parquet file (no PAR1 footer)`);
    const length = tail.readUInt32LE(0);
    if (length > size - 12) throw new Error(`${path}: a Parquet footer of ${length} bytes in a ${size}-byte file`);
    const metadata = Buffer.alloc(length);
    readSync(fd, metadata, 0, length, size - 8 - length);
    return metadata;
  } finally {
    closeSync(fd);
  }
}

/** Reads the Thrift compact protocol from a buffer, as far as the row count needs. */
class CompactReader {
  private at = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly path: string,
  ) {}

  byte(): number {
    if (this.at >= this.buf.length) throw new Error(`${this.path}: the Parquet footer ends too early`);
    return this.buf[this.at++]!;
  }

  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.byte();
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
    }
  }

  zigzag(): number {
    const v = this.varint();
    return Number((v >> 1n) ^ -(v & 1n));
  }

  private bytes(n: number): void {
    if (this.at + n > this.buf.length) throw new Error(`${this.path}: the Parquet footer ends too early`);
    this.at += n;
  }

  /** Skips one value of compact type `type`. */
  skip(type: number): void {
    if (type === 1 || type === 2) return;
    if (type === 3) return this.bytes(1);
    if (type >= 4 && type <= 6) return void this.varint();
    if (type === 7) return this.bytes(8);
    if (type === 8) return this.bytes(Number(this.varint()));
    if (type === 9 || type === 10) return this.skipList();
    if (type === 11) return this.skipMap();
    if (type === 12) return this.skipStruct();
    throw new Error(`${this.path}: the Parquet footer has a field of unknown type ${type}`);
  }

  private skipList(): void {
    const header = this.byte();
    const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
    for (let i = 0; i < size; i++) this.skipElement(header & 0x0f);
  }

  private skipMap(): void {
    const size = Number(this.varint());
    if (size === 0) return;
    const types = this.byte();
    for (let i = 0; i < size; i++) {
      this.skipElement(types >> 4);
      this.skipElement(types & 0x0f);
    }
  }

  /** An element of a list or map: there a boolean takes a byte (in a struct, its value is the field's type). */
  private skipElement(type: number): void {
    if (type === 1 || type === 2) this.bytes(1);
    else this.skip(type);
  }

  private skipStruct(): void {
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === 0) return;
      if (header >> 4 === 0) this.zigzag();
      this.skip(type);
    }
  }
}
