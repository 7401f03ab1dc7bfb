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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pos = 0;

  const fail = (message: string, at: number) => usageError("pretrained_unreadable", `${what}: ${message} (byte ${at})`);
  const need = (n: number, at: number) => {
    if (n < 0 || pos + n > bytes.byteLength) throw fail("truncated pickle", at);
  };
  const u8 = (at: number) => {
    need(1, at);
    return bytes[pos++] as number;
  };
  const u16 = (at: number) => {
    need(2, at);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const u32 = (at: number) => {
    need(4, at);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const u64 = (at: number) => {
    need(8, at);
    pos += 8;
    const v = view.getBigUint64(pos - 8, true);
    if (v > BigInt(bytes.byteLength)) throw fail("length past the end of the pickle", at);
    return Number(v);
  };
  const take = (n: number, at: number) => {
    need(n, at);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const text = (n: number, at: number) => {
    try {
      return decoder.decode(take(n, at));
    } catch (err) {
      if (err instanceof TypeError) throw fail("invalid UTF-8 string", at);
      throw err;
    }
  };
  const line = (at: number) => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw fail("unterminated line", at);
    const s = new TextDecoder("latin1").decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (at: number): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw fail("stack underflow", at);
    return v;
  };
  const top = (at: number): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw fail("stack underflow", at);
    return v;
  };
  const popMark = (at: number): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) throw fail("no MARK to pop to", at);
    const items = stack.splice(m);
    items.shift();
    return items as PyValue[];
  };
  const asKey = (k: PyValue, at: number): PyKey => {
    if (k === null || typeof k === "string" || typeof k === "number" || typeof k === "bigint" || typeof k === "boolean") return k;
    throw fail("a dict key that is not a string or a number", at);
  };
  const setItems = (target: PyValue, items: PyValue[], at: number) => {
    if (!(target instanceof PyDict)) throw fail("SETITEM(S) on something that is not a dict", at);
    if (items.length % 2 !== 0) throw fail("SETITEMS with an odd number of items", at);
    for (let i = 0; i < items.length; i += 2) target.entries.set(asKey(items[i] as PyValue, at), items[i + 1] as PyValue);
  };
  const append = (target: PyValue, items: PyValue[], at: number) => {
    if (!(target instanceof PyList)) throw fail("APPEND(S) on something that is not a list", at);
    target.items.push(...items);
  };
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const long = (raw: Uint8Array): number | bigint => {
    // Little-endian two's complement of any length.
    let v = 0n;
    for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i] as number);
    if (raw.length > 0 && ((raw[raw.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(raw.length * 8);
    return int(v);
  };

  for (;;) {
    const at = pos;
    const op = u8(at);
    switch (op) {
      case 0x80: // PROTO
        if (u8(at) > 5) throw fail("pickle protocol above 5", at);
        break;
      case 0x95: // FRAME: a length prefix only
        u64(at);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) throw fail("STOP with a malformed stack", at);
        return pop(at);
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4, at);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8(at));
        break;
      case 0x4d: // BININT2
        stack.push(u16(at));
        break;
      case 0x8a: // LONG1
        stack.push(long(take(u8(at), at)));
        break;
      case 0x8b: // LONG4
        stack.push(long(take(u32(at), at)));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8, at);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32(at), at));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8(at), at));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64(at), at));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(new TextDecoder("latin1").decode(take(u32(at), at)));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(new TextDecoder("latin1").decode(take(u8(at), at)));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32(at), at).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8(at), at).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64(at), at).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push(new PyList());
        break;
      case 0x6c: {
        // LIST
        const list = new PyList();
        list.items.push(...popMark(at));
        stack.push(list);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop(at);
        append(top(at), [item], at);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark(at);
        append(top(at), items, at);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark(at)));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        // TUPLE1..3
        const n = op - 0x84;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop(at));
        stack.push(new PyTuple(items));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark(at), at);
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop(at);
        const key = pop(at);
        setItems(top(at), [key, value], at);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark(at);
        setItems(top(at), items, at);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n": refused here, before anything could use it
        const module = line(at);
        stack.push(hooks.global(module, line(at), at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop(at);
        const module = pop(at);
        if (typeof module !== "string" || typeof name !== "string") throw fail("STACK_GLOBAL without two strings", at);
        stack.push(hooks.global(module, name, at));
        break;
      }
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args), built by the same hook
        const args = pop(at);
        const callable = pop(at);
        if (!(callable instanceof PyGlobal) || !(args instanceof PyTuple)) throw fail(`${op === 0x52 ? "REDUCE" : "NEWOBJ"} on something that is not an allowed global with a tuple`, at);
        stack.push(hooks.call(callable, args, at));
        break;
      }
      case 0x62: {
        // BUILD: only a dict's attribute state (torch's `_metadata`) is accepted
        const state = pop(at);
        const target = top(at);
        if (!(target instanceof PyDict)) throw fail("BUILD (setting an object's state) on something other than a dict", at);
        target.state = state;
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistent(pop(at), at));
        break;
      case 0x71: // BINPUT
        memo.set(u8(at), top(at));
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(at), top(at));
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top(at));
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x68 ? u8(at) : u32(at);
        const v = memo.get(key);
        if (v === undefined) throw fail(`memo ${key} read before it was written`, at);
        stack.push(v);
        break;
      }
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) {
          stack.pop();
          marks.pop();
        } else pop(at);
        break;
      case 0x31: // POP_MARK
        popMark(at);
        break;
      case 0x32: // DUP
        stack.push(top(at));
        break;
      default: {
        const name = REFUSED[op];
        throw fail(`pickle opcode ${name ?? "0x" + op.toString(16).padStart(2, "0")}${name ? ` (0x${op.toString(16)})` : ""} is not one a state dict needs`, at);
      }
    }
  }
}
