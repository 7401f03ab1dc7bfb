// Writes what PyTorch writes, for tests without PyTorch: pickles (protocol 2 opcodes, as torch.save
// emits them), torch.save zip archives and .safetensors files. The oracle tests use real PyTorch.
import { crc32, deflateRawSync } from "node:zlib";

/** Builds a pickle opcode by opcode. */
export class Pickle {
  private readonly parts: number[] = [0x80, 2];

  raw(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  /** GLOBAL "module\nname\n". */
  global(module: string, name: string): this {
    return this.raw(0x63, ...Buffer.from(`${module}\n${name}\n`, "latin1"));
  }
  /** STACK_GLOBAL from two strings. */
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).raw(0x93);
  }
  /** BINUNICODE. */
  str(s: string): this {
    const b = Buffer.from(s, "utf8");
    return this.raw(0x58, ...u32(b.length), ...b);
  }
  /** BININT. */
  int(n: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.raw(0x4a, ...b);
  }
  mark(): this {
    return this.raw(0x28);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  /** collections.OrderedDict() */
  orderedDict(): this {
    return this.global("collections", "OrderedDict").raw(0x29).reduce();
  }
  stop(): Uint8Array {
    return Uint8Array.from([...this.parts, 0x2e]);
  }
}

function u32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...b];
}

/** A tensor to save: a view (offset, shape, stride) into storage `key`. */
export interface TensorSpec {
  name: string;
  key: string;
  storageType?: string;
  offset?: number;
  shape: number[];
  stride?: number[];
}

/** The data.pkl torch.save writes for an OrderedDict state dict of `tensors` (storages of `numel` elements). */
export function stateDictPickle(tensors: readonly TensorSpec[], numel: Record<string, number>, wrap?: string): Uint8Array {
  const p = new Pickle();
  if (wrap) p.raw(0x7d).str(wrap); // {wrap: <state dict>}
  p.orderedDict().mark();
  for (const t of tensors) {
    const stride = t.stride ?? t.shape.map((_, k) => t.shape.slice(k + 1).reduce((a, d) => a * d, 1));
    p.str(t.name).global("torch._utils", "_rebuild_tensor_v2").mark();
    p.mark().str("storage").global("torch", t.storageType ?? "FloatStorage").str(t.key).str("cpu").int(numel[t.key] ?? 0).tuple().raw(0x51);
    p.int(t.offset ?? 0);
    p.mark();
    for (const d of t.shape) p.int(d);
    p.tuple().mark();
    for (const s of stride) p.int(s);
    p.tuple().raw(0x89).orderedDict().tuple().reduce();
  }
  p.raw(0x75); // SETITEMS
  if (wrap) p.raw(0x73); // SETITEM
  return p.stop();
}

/** A zip archive of stored (or deflated) members, as torch.save's writer lays it out. */
export function zipArchive(members: Record<string, Uint8Array>, deflate: readonly string[] = []): Uint8Array {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(members)) {
    const nameBytes = Buffer.from(name, "utf8");
    const method = deflate.includes(name) ? 8 : 0;
    const body = method === 8 ? deflateRawSync(data) : Buffer.from(data);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, body);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(method, 10);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(members).length, 8);
  end.writeUInt16LE(Object.keys(members).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}

/** Float32 little-endian bytes. */
export function f32(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A torch.save archive named `archive/…` with data.pkl and the given storages. */
export function pthFile(pickle: Uint8Array, storages: Record<string, Uint8Array>, extra: Record<string, Uint8Array> = {}): Uint8Array {
  const members: Record<string, Uint8Array> = { "archive/data.pkl": pickle };
  for (const [key, data] of Object.entries(storages)) members[`archive/data/${key}`] = data;
  members["archive/version"] = Buffer.from("3\n");
  return zipArchive({ ...members, ...extra });
}

/** A .safetensors file: u64 LE header length, JSON header, raw data. */
export function safetensorsFile(tensors: readonly { name: string; dtype: string; shape: number[]; data: Uint8Array }[], header?: Record<string, unknown>): Uint8Array {
  const json: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const t of tensors) {
    json[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  const head = Buffer.from(JSON.stringify(header ?? json), "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(head.length));
  return new Uint8Array(Buffer.concat([length, head, ...tensors.map((t) => Buffer.from(t.data))]));
}
