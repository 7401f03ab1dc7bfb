import { crc32, inflateRawSync } from "node:zlib";
import { usageError } from "../../errors/index.ts";

/** One member of a zip archive, located but not yet read. */
interface ZipEntry {
  name: string;
  /** 0 = stored (what torch.save writes), 8 = deflate (a re-zipped archive). */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

/**
 * A zip archive in memory (PKWARE APPNOTE 6.3: end-of-central-directory record, zip64 when
 * torch's writer needs it, central directory, local headers). Members are read on demand and
 * checked against their CRC-32, so a truncated or damaged download is an error naming the file
 * and the member, never silently wrong weights.
 */
export class ZipArchive {
  private readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { offset, count } = this.centralDirectory();
    let at = offset;
    for (let i = 0; i < count; i++) {
      if (this.u32(at) !== CENTRAL) throw this.damaged(`central directory entry ${i} at byte ${at} has no signature`);
      const method = this.u16(at + 10);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      const name = new TextDecoder().decode(this.slice(at + 46, nameLength));
      const entry: ZipEntry = {
        name, method, crc: this.u32(at + 16), compressedSize: this.u32(at + 20), size: this.u32(at + 24), localHeaderOffset: this.u32(at + 42),
      };
      this.applyZip64(entry, at + 46 + nameLength, extraLength);
      this.entries.set(name, entry);
      at += 46 + nameLength + extraLength + commentLength;
    }
  }

  /** Member names in central-directory order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The uncompressed bytes of member `name` (CRC-32 checked). */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (entry === undefined) throw this.damaged(`member ${name} is missing`);
    const at = entry.localHeaderOffset;
    if (this.u32(at) !== LOCAL) throw this.damaged(`member ${name}: no local header at byte ${at}`);
    const start = at + 30 + this.u16(at + 26) + this.u16(at + 28);
    const raw = this.slice(start, entry.compressedSize);
    let data: Uint8Array;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = inflate(raw, entry.size, () => this.damaged(`member ${name} does not inflate to the ${entry.size} bytes its header says`));
    else throw this.damaged(`member ${name} uses compression method ${entry.method} (only stored and deflate are read)`);
    if (data.byteLength !== entry.size) throw this.damaged(`member ${name} has ${data.byteLength} bytes, its header says ${entry.size}`);
    if (crc32(data) >>> 0 !== entry.crc) throw this.damaged(`member ${name} fails its CRC-32 check (a damaged or truncated file)`);
    return data;
  }

  private centralDirectory(): { offset: number; count: number } {
    // The end record is the last 22 bytes plus a comment of up to 65,535 bytes.
    let eocd = -1;
    for (let at = this.bytes.byteLength - 22; at >= Math.max(0, this.bytes.byteLength - 22 - 0xffff); at--) {
      if (this.u32(at) === EOCD) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) throw this.damaged("no end-of-central-directory record (not a zip file, or truncated)");
    let count = this.u16(eocd + 10);
    let offset = this.u32(eocd + 16);
    if ((count === 0xffff || offset === U32_MAX) && eocd >= 20 && this.u32(eocd - 20) === EOCD64_LOCATOR) {
      const record = this.u64(eocd - 20 + 8);
      if (this.u32(record) !== EOCD64) throw this.damaged(`zip64 end record missing at byte ${record}`);
      count = this.u64(record + 32);
      offset = this.u64(record + 48);
    }
    return { offset, count };
  }

  /** Zip64 extended information (header id 1) replaces the 32-bit fields that hold 0xFFFFFFFF, in this order. */
  private applyZip64(entry: ZipEntry, extraStart: number, extraLength: number): void {
    let at = extraStart;
    while (at + 4 <= extraStart + extraLength) {
      const id = this.u16(at);
      const size = this.u16(at + 2);
      if (id === 1) {
        let field = at + 4;
        for (const key of ["size", "compressedSize", "localHeaderOffset"] as const) {
          if (entry[key] === U32_MAX) {
            entry[key] = this.u64(field);
            field += 8;
          }
        }
      }
      at += 4 + size;
    }
  }

  private slice(at: number, length: number): Uint8Array {
    if (at < 0 || length < 0 || at + length > this.bytes.byteLength) throw this.damaged(`needs bytes ${at}..${at + length}, the file has ${this.bytes.byteLength}`);
    return this.bytes.subarray(at, at + length);
  }

  private u16(at: number): number {
    return this.checked(at, 2) ? this.view.getUint16(at, true) : 0;
  }

  private u32(at: number): number {
    return this.checked(at, 4) ? this.view.getUint32(at, true) : 0;
  }

  private u64(at: number): number {
    if (!this.checked(at, 8)) return 0;
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.damaged(`a 64-bit offset at byte ${at} is out of range`);
    return Number(value);
  }

  private checked(at: number, length: number): boolean {
    if (at < 0 || at + length > this.bytes.byteLength) throw this.damaged(`reads past the end at byte ${at}`);
    return true;
  }

  private damaged(detail: string) {
    return usageError("pretrained_unreadable", `${this.file}: unreadable zip archive: ${detail}`);
  }
}

/** Inflates at most `size` bytes (a lying header cannot make it allocate more). */
function inflate(raw: Uint8Array, size: number, fail: () => Error): Uint8Array {
  try {
    return new Uint8Array(inflateRawSync(raw, { maxOutputLength: Math.max(1, size) }));
  } catch {
    throw fail();
  }
}
