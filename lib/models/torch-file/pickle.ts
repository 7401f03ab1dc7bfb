import { usageError } from "../../errors/index.ts";

/** A Python tuple. */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A Python list. */
export class PyList {
  readonly items: PyValue[] = [];
}

/** A Python dict (or collections.OrderedDict: insertion order is kept either way). */
export class PyDict {
  readonly entries = new Map<PyKey, PyValue>();
  /** State given by BUILD (torch's state dicts carry `_metadata` there); kept, not interpreted. */
  state: PyValue | undefined;
}

/** A module-level name (`collections.OrderedDict`) that the caller's allowlist accepted. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A value the caller built from a call or a persistent id (a tensor, a storage). */
export class PyExternal<T = unknown> {
  constructor(readonly value: T) {}
}

export type PyKey = string | number | bigint | boolean | null;
export type PyValue = PyKey | Uint8Array | PyTuple | PyList | PyDict | PyGlobal | PyExternal;

/**
 * What the caller allows. The interpreter never imports or calls anything: it asks `global`
 * whether a name may appear at all (refusing is the caller's job, at the opcode that names it),
 * and `call` to build the value of `callable(*args)` for an accepted global.
 */
export interface UnpicklerHooks {
  /** Accepts `module.name` (returning its stand-in) or throws. */
  global(module: string, name: string, at: number): PyGlobal;
  /** The value of `callable(*args)` (REDUCE, NEWOBJ), or throws. */
  call(callable: PyGlobal, args: PyTuple, at: number): PyValue;
  /** The object a persistent id stands for (torch: a storage), or throws. */
  persistent(pid: PyValue, at: number): PyValue;
}

const MARK = Symbol("mark");
type StackItem = PyValue | typeof MARK;

/** Opcodes Python writes that a state dict never needs: named in the refusal. */
const REFUSED: Record<number, string> = {
  0x69: "INST", 0x6f: "OBJ", 0x92: "NEWOBJ_EX", 0x50: "PERSID", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
  0x53: "STRING", 0x49: "INT", 0x4c: "LONG", 0x46: "FLOAT", 0x56: "UNICODE", 0x70: "PUT", 0x67: "GET",
  0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
};

/**
 * Interprets a pickle (protocols 2–5, the binary opcodes torch.save emits) into plain values.
 * Globals go through `hooks.global`, calls through `hooks.call`: nothing is ever executed, and
 * any other opcode is an error naming it and its byte offset. `what` names the source in errors.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpicklerHooks, what: string): PyValue {
  return new Unpickler(bytes, hooks, what).run();
}

/** `bytes` read front to back, every length checked against what is left. */
class PickleReader {
  pos = 0;
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder("utf-8", { fatal: true });
  private readonly latin1 = new TextDecoder("latin1");

  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (message: string, at: number) => Error,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number, at: number): void {
    if (n < 0 || this.pos + n > this.bytes.byteLength) throw this.fail("truncated pickle", at);
  }
  u8(at: number): number {
    this.need(1, at);
    return this.bytes[this.pos++] as number;
  }
  u16(at: number): number {
    this.need(2, at);
    this.pos += 2;
    return this.view.getUint16(this.pos - 2, true);
  }
  u32(at: number): number {
    this.need(4, at);
    this.pos += 4;
    return this.view.getUint32(this.pos - 4, true);
  }
  i32(at: number): number {
    this.need(4, at);
    this.pos += 4;
    return this.view.getInt32(this.pos - 4, true);
  }
  /** An 8-byte length, which cannot exceed the pickle itself. */
  u64(at: number): number {
    this.need(8, at);
    this.pos += 8;
    const v = this.view.getBigUint64(this.pos - 8, true);
    if (v > BigInt(this.bytes.byteLength)) throw this.fail("length past the end of the pickle", at);
    return Number(v);
  }
  /** A big-endian float64 (BINFLOAT). */
  f64(at: number): number {
    this.need(8, at);
    this.pos += 8;
    return this.view.getFloat64(this.pos - 8, false);
  }
  take(n: number, at: number): Uint8Array {
    this.need(n, at);
    this.pos += n;
    return this.bytes.subarray(this.pos - n, this.pos);
  }
  text(n: number, at: number): string {
    try {
      return this.utf8.decode(this.take(n, at));
    } catch (err) {
      if (err instanceof TypeError) throw this.fail("invalid UTF-8 string", at);
      throw err;
    }
  }
  latin(n: number, at: number): string {
    return this.latin1.decode(this.take(n, at));
  }
  /** A newline-terminated line (GLOBAL's module and name). */
  line(at: number): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail("unterminated line", at);
    const s = this.latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
}

const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/** Little-endian two's complement of any length (LONG1, LONG4). */
function long(raw: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i] as number);
  if (raw.length > 0 && ((raw[raw.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(raw.length * 8);
  return int(v);
}

/**
 * The pickle machine: a stack with marks and a memo. Each opcode group has its method (values,
 * containers, objects, memo and stack bookkeeping); `run` dispatches until STOP.
 */
class Unpickler {
  private readonly stack: StackItem[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly r: PickleReader;
  private readonly fail: (message: string, at: number) => Error;

  constructor(
    bytes: Uint8Array,
    private readonly hooks: UnpicklerHooks,
    what: string,
  ) {
    this.fail = (message, at) => usageError("pretrained_unreadable", `${what}: ${message} (byte ${at})`);
    this.r = new PickleReader(bytes, this.fail);
  }

  run(): PyValue {
    for (;;) {
      const at = this.r.pos;
      const op = this.r.u8(at);
      if (op === 0x2e) {
        // STOP
        if (this.stack.length !== 1 || this.marks.length !== 0) throw this.fail("STOP with a malformed stack", at);
        return this.pop(at);
      }
      if (this.framing(op, at) || this.value(op, at) || this.container(op, at) || this.object(op, at) || this.bookkeeping(op, at)) continue;
      const name = REFUSED[op];
      throw this.fail(`pickle opcode ${name ?? "0x" + op.toString(16).padStart(2, "0")}${name ? ` (0x${op.toString(16)})` : ""} is not one a state dict needs`, at);
    }
  }

  private pop(at: number): PyValue {
    const v = this.stack.pop();
    if (v === undefined || v === MARK) throw this.fail("stack underflow", at);
    return v;
  }
  private top(at: number): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined || v === MARK) throw this.fail("stack underflow", at);
    return v;
  }
  private popMark(at: number): PyValue[] {
    const m = this.marks.pop();
    if (m === undefined) throw this.fail("no MARK to pop to", at);
    const items = this.stack.splice(m);
    items.shift();
    return items as PyValue[];
  }
  private asKey(k: PyValue, at: number): PyKey {
    if (k === null || typeof k === "string" || typeof k === "number" || typeof k === "bigint" || typeof k === "boolean") return k;
    throw this.fail("a dict key that is not a string or a number", at);
  }
  private setItems(target: PyValue, items: PyValue[], at: number): void {
    if (!(target instanceof PyDict)) throw this.fail("SETITEM(S) on something that is not a dict", at);
    if (items.length % 2 !== 0) throw this.fail("SETITEMS with an odd number of items", at);
    for (let i = 0; i < items.length; i += 2) target.entries.set(this.asKey(items[i] as PyValue, at), items[i + 1] as PyValue);
  }
  private append(target: PyValue, items: PyValue[], at: number): void {
    if (!(target instanceof PyList)) throw this.fail("APPEND(S) on something that is not a list", at);
    target.items.push(...items);
  }

  /** PROTO and FRAME: protocol version and length prefixes. */
  private framing(op: number, at: number): boolean {
    if (op === 0x80) {
      // PROTO
      if (this.r.u8(at) > 5) throw this.fail("pickle protocol above 5", at);
    } else if (op === 0x95) {
      this.r.u64(at); // FRAME: a length prefix only
    } else return false;
    return true;
  }

  /** Literal values: None, booleans, integers, floats, strings, bytes. */
  private value(op: number, at: number): boolean {
    const r = this.r;
    let v: PyValue;
    switch (op) {
      case 0x4e: v = null; break; // NONE
      case 0x88: v = true; break; // NEWTRUE
      case 0x89: v = false; break; // NEWFALSE
      case 0x4a: v = r.i32(at); break; // BININT
      case 0x4b: v = r.u8(at); break; // BININT1
      case 0x4d: v = r.u16(at); break; // BININT2
      case 0x8a: v = long(r.take(r.u8(at), at)); break; // LONG1
      case 0x8b: v = long(r.take(r.u32(at), at)); break; // LONG4
      case 0x47: v = r.f64(at); break; // BINFLOAT (big-endian)
      case 0x58: v = r.text(r.u32(at), at); break; // BINUNICODE
      case 0x8c: v = r.text(r.u8(at), at); break; // SHORT_BINUNICODE
      case 0x8d: v = r.text(r.u64(at), at); break; // BINUNICODE8
      case 0x54: v = r.latin(r.u32(at), at); break; // BINSTRING (Python 2 str)
      case 0x55: v = r.latin(r.u8(at), at); break; // SHORT_BINSTRING
      case 0x42: v = r.take(r.u32(at), at).slice(); break; // BINBYTES
      case 0x43: v = r.take(r.u8(at), at).slice(); break; // SHORT_BINBYTES
      case 0x8e: v = r.take(r.u64(at), at).slice(); break; // BINBYTES8
      default: return false;
    }
    this.stack.push(v);
    return true;
  }

  /** Lists, tuples and dicts, and what fills them. */
  private container(op: number, at: number): boolean {
    switch (op) {
      case 0x5d: // EMPTY_LIST
        this.stack.push(new PyList());
        return true;
      case 0x6c: {
        // LIST
        const list = new PyList();
        list.items.push(...this.popMark(at));
        this.stack.push(list);
        return true;
      }
      case 0x61: {
        // APPEND
        const item = this.pop(at);
        this.append(this.top(at), [item], at);
        return true;
      }
      case 0x65: {
        // APPENDS
        const items = this.popMark(at);
        this.append(this.top(at), items, at);
        return true;
      }
      case 0x29: // EMPTY_TUPLE
        this.stack.push(new PyTuple([]));
        return true;
      case 0x74: // TUPLE
        this.stack.push(new PyTuple(this.popMark(at)));
        return true;
      case 0x85:
      case 0x86:
      case 0x87: {
        // TUPLE1..3
        const items: PyValue[] = [];
        for (let i = 0; i < op - 0x84; i++) items.unshift(this.pop(at));
        this.stack.push(new PyTuple(items));
        return true;
      }
      case 0x7d: // EMPTY_DICT
        this.stack.push(new PyDict());
        return true;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        this.setItems(dict, this.popMark(at), at);
        this.stack.push(dict);
        return true;
      }
      case 0x73: {
        // SETITEM
        const value = this.pop(at);
        const key = this.pop(at);
        this.setItems(this.top(at), [key, value], at);
        return true;
      }
      case 0x75: {
        // SETITEMS
        const items = this.popMark(at);
        this.setItems(this.top(at), items, at);
        return true;
      }
      default:
        return false;
    }
  }

  /** Globals, calls, object state and persistent ids: all through the caller's hooks. */
  private object(op: number, at: number): boolean {
    switch (op) {
      case 0x63: {
        // GLOBAL "module\nname\n": refused here, before anything could use it
        const module = this.r.line(at);
        this.stack.push(this.hooks.global(module, this.r.line(at), at));
        return true;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = this.pop(at);
        const module = this.pop(at);
        if (typeof module !== "string" || typeof name !== "string") throw this.fail("STACK_GLOBAL without two strings", at);
        this.stack.push(this.hooks.global(module, name, at));
        return true;
      }
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), built by the same hook
        const args = this.pop(at);
        const callable = this.pop(at);
        if (!(callable instanceof PyGlobal) || !(args instanceof PyTuple)) throw this.fail(`${op === 0x52 ? "REDUCE" : "NEWOBJ"} on something that is not an allowed global with a tuple`, at);
        this.stack.push(this.hooks.call(callable, args, at));
        return true;
      }
      case 0x62: {
        // BUILD: only a dict's attribute state (torch's `_metadata`) is accepted
        const state = this.pop(at);
        const target = this.top(at);
        if (!(target instanceof PyDict)) throw this.fail("BUILD (setting an object's state) on something other than a dict", at);
        target.state = state;
        return true;
      }
      case 0x51: // BINPERSID
        this.stack.push(this.hooks.persistent(this.pop(at), at));
        return true;
      default:
        return false;
    }
  }

  /** The memo, MARK and the plain stack operations. */
  private bookkeeping(op: number, at: number): boolean {
    switch (op) {
      case 0x28: // MARK
        this.marks.push(this.stack.length);
        this.stack.push(MARK);
        return true;
      case 0x71: // BINPUT
        this.memo.set(this.r.u8(at), this.top(at));
        return true;
      case 0x72: // LONG_BINPUT
        this.memo.set(this.r.u32(at), this.top(at));
        return true;
      case 0x94: // MEMOIZE
        this.memo.set(this.memo.size, this.top(at));
        return true;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? this.r.u8(at) : this.r.u32(at);
        const v = this.memo.get(key);
        if (v === undefined) throw this.fail(`memo ${key} read before it was written`, at);
        this.stack.push(v);
        return true;
      }
      case 0x30: // POP
        if (this.stack[this.stack.length - 1] === MARK) {
          this.stack.pop();
          this.marks.pop();
        } else this.pop(at);
        return true;
      case 0x31: // POP_MARK
        this.popMark(at);
        return true;
      case 0x32: // DUP
        this.stack.push(this.top(at));
        return true;
      default:
        return false;
    }
  }
}
