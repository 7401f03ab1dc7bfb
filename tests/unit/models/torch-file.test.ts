import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TaskError } from "../../../lib/errors/index.ts";
import { ALLOWED_GLOBALS, readPth, readSafetensors, readStateDict } from "../../../lib/models/index.ts";
import { permuteAxes } from "../../../lib/models/torch-file/index.ts";
import { f32, Pickle, pthFile, safetensorsFile, stateDictPickle, zipArchive } from "./torch-writer.ts";

const dir = mkdtempSync(join(tmpdir(), "models-torch-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): TaskError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TaskError) return err;
    throw err;
  }
  throw new Error("expected a TaskError");
}

const iota = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => i * scale);

describe("readPth", () => {
  test("reads an OrderedDict state dict: names, shapes and float32 values in file order", () => {
    const pickle = stateDictPickle([
      { name: "features.0.0.weight", key: "0", shape: [2, 1, 2, 2] },
      { name: "features.0.1.running_var", key: "1", shape: [2] },
    ], { 0: 8, 1: 2 });
    const sd = readPth(pthFile(pickle, { 0: f32(iota(8, 0.5)), 1: f32([3, 4]) }), "w.pth");
    expect([...sd.keys()]).toEqual(["features.0.0.weight", "features.0.1.running_var"]);
    expect(sd.get("features.0.0.weight")).toEqual({ dtype: "float32", shape: [2, 1, 2, 2], values: Float32Array.from(iota(8, 0.5)) });
    expect(Array.from(sd.get("features.0.1.running_var")!.values)).toEqual([3, 4]);
  });

  test("applies storage offsets and strides: two views of one storage, one of them transposed", () => {
    // storage 0..11; a = rows 0-1 of a 3×2 matrix at offset 6 → [6, 7, 8, 9, 10, 11]; b = the first 2×3 block transposed
    const pickle = stateDictPickle([
      { name: "a", key: "s", offset: 6, shape: [3, 2] },
      { name: "b", key: "s", offset: 0, shape: [3, 2], stride: [1, 3] },
    ], { s: 12 });
    const sd = readPth(pthFile(pickle, { s: f32(iota(12)) }), "w.pth");
    expect(Array.from(sd.get("a")!.values)).toEqual([6, 7, 8, 9, 10, 11]);
    // b[i][j] = storage[i + 3j]: [[0, 3], [1, 4], [2, 5]]
    expect(Array.from(sd.get("b")!.values)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  test("converts half, bfloat16, double and int64 storages to float32 exactly", () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001]).buffer); // 1, -2, 0.333251953125, 2^-24
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4049]).buffer); // 1, 3.140625
    const f64 = new Uint8Array(new Float64Array([0.1, -7]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([1234n, -5n]).buffer);
    const pickle = stateDictPickle([
      { name: "h", key: "h", storageType: "HalfStorage", shape: [4] },
      { name: "b", key: "b", storageType: "BFloat16Storage", shape: [2] },
      { name: "d", key: "d", storageType: "DoubleStorage", shape: [2] },
      { name: "n", key: "n", storageType: "LongStorage", shape: [2] },
    ], { h: 4, b: 2, d: 2, n: 2 });
    const sd = readPth(pthFile(pickle, { h: half, b: bf16, d: f64, n: i64 }), "w.pth");
    expect(Array.from(sd.get("h")!.values)).toEqual([1, -2, 0.333251953125, 2 ** -24]);
    expect(Array.from(sd.get("b")!.values)).toEqual([1, 3.140625]);
    expect(Array.from(sd.get("d")!.values)).toEqual([Math.fround(0.1), -7]);
    expect(sd.get("n")).toEqual({ dtype: "int64", shape: [2], values: Float32Array.from([1234, -5]) });
  });

  test("unwraps {'state_dict': …}, strips nn.DataParallel's 'module.' prefix, and reads big-endian archives", () => {
    const pickle = stateDictPickle([{ name: "module.classifier.1.bias", key: "0", shape: [2] }], { 0: 2 }, "state_dict");
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -3, false);
    const sd = readPth(pthFile(pickle, { 0: be }, { "archive/byteorder": Buffer.from("big") }), "w.pth");
    expect([...sd.keys()]).toEqual(["classifier.1.bias"]);
    expect(Array.from(sd.get("classifier.1.bias")!.values)).toEqual([1.5, -3]);
  });

  test("reads deflated members of a re-zipped archive", () => {
    const pickle = stateDictPickle([{ name: "w", key: "0", shape: [3] }], { 0: 3 });
    const bytes = zipArchive({ "m/data.pkl": pickle, "m/data/0": f32([1, 2, 3]) }, ["m/data.pkl", "m/data/0"]);
    expect(Array.from(readPth(bytes, "w.pth").get("w")!.values)).toEqual([1, 2, 3]);
  });

  // Table-driven: each hostile pickle is refused at the opcode that names the global.
  const hostile: [string, Uint8Array, string][] = [
    ["os.system via GLOBAL", new Pickle().global("os", "system").str("touch x").raw(0x85).reduce().stop(), "os.system"],
    ["posix.system (what pickle writes for os.system on Linux)", new Pickle().global("posix", "system").str("touch x").raw(0x85).reduce().stop(), "posix.system"],
    ["builtins.eval via STACK_GLOBAL", new Pickle().stackGlobal("builtins", "eval").str("1").raw(0x85).reduce().stop(), "builtins.eval"],
    ["a global hidden inside a state dict value", new Pickle().orderedDict().str("w").global("subprocess", "call").str("x").raw(0x85).reduce().raw(0x73).stop(), "subprocess.call"],
    ["a lookalike torch name", new Pickle().global("torch._utils", "_rebuild_tensor_v2x").stop(), "torch._utils._rebuild_tensor_v2x"],
  ];
  test.each(hostile)("refuses a pickle naming %s, naming the global", (_, pickle, global) => {
    const err = thrown(() => readPth(pthFile(pickle, {}), "evil.pth"));
    expect(err.code).toBe("pretrained_refused");
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`evil.pth: refusing to load: its pickle names the global ${global} `);
    expect(err.message).toContain("must not run code");
  });

  test("refuses opcodes a state dict never needs (INST, OBJ), naming them", () => {
    const inst = new Pickle().mark().raw(0x69, ...Buffer.from("os\nsystem\n")).stop();
    expect(thrown(() => readPth(pthFile(inst, {}), "w.pth")).message).toBe("w.pth (archive/data.pkl): pickle opcode INST (0x69) is not one a state dict needs (byte 3)");
    const obj = new Pickle().mark().raw(0x6f).stop();
    expect(thrown(() => readPth(pthFile(obj, {}), "w.pth")).message).toContain("pickle opcode OBJ (0x6f)");
  });

  test("allows exactly the globals a state dict needs", () => {
    expect(ALLOWED_GLOBALS).toContain("collections.OrderedDict");
    expect(ALLOWED_GLOBALS).toContain("torch._utils._rebuild_tensor_v2");
    expect(ALLOWED_GLOBALS).toContain("torch.FloatStorage");
    expect(ALLOWED_GLOBALS.every((g) => g === "collections.OrderedDict" || g.startsWith("torch._utils._rebuild_") || /^torch\.[A-Za-z0-9]+Storage$/.test(g))).toBe(true);
  });

  test("rejects a damaged archive: a flipped storage byte fails its CRC-32, a truncated file has no directory", () => {
    const pickle = stateDictPickle([{ name: "w", key: "0", shape: [2] }], { 0: 2 });
    const good = pthFile(pickle, { 0: f32([1, 2]) });
    const flipped = good.slice();
    const at = Buffer.from(flipped).indexOf(Buffer.from(f32([1, 2])));
    flipped[at] = (flipped[at] as number) ^ 1;
    expect(thrown(() => readPth(flipped, "w.pth")).message).toBe("w.pth: unreadable zip archive: member archive/data/0 fails its CRC-32 check (a damaged or truncated file)");
    expect(thrown(() => readPth(good.slice(0, good.length - 30), "w.pth")).message).toContain("no end-of-central-directory record");
  });

  test("rejects a tensor that reaches past its storage and a storage shorter than its numel", () => {
    const past = stateDictPickle([{ name: "w", key: "0", offset: 2, shape: [3] }], { 0: 4 });
    expect(thrown(() => readPth(pthFile(past, { 0: f32([1, 2, 3, 4]) }), "w.pth")).message).toContain("a tensor of shape [3] reaching past its storage of 4 elements");
    const short = stateDictPickle([{ name: "w", key: "0", shape: [4] }], { 0: 4 });
    expect(thrown(() => readPth(pthFile(short, { 0: f32([1, 2]) }), "w.pth")).message).toBe("w.pth: storage archive/data/0 has 8 bytes, 4 float32 elements need 16");
  });

  test("says what it found when the pickle is not a state dict", () => {
    const p = new Pickle().raw(0x7d).str("epoch").int(3).raw(0x73).stop();
    expect(thrown(() => readPth(pthFile(p, {}), "ckpt.pth")).message).toBe(
      "ckpt.pth: not a state dict of tensors (keys epoch; epoch is not a tensor); save model.state_dict() or a dict holding it under state_dict / model_state_dict / model",
    );
  });
});

describe("readSafetensors", () => {
  test("reads F32, F16, BF16 and I64 tensors with their shapes", () => {
    const bytes = safetensorsFile([
      { name: "a", dtype: "F32", shape: [2, 2], data: f32([1, 2, 3, 4]) },
      { name: "h", dtype: "F16", shape: [1], data: new Uint8Array(new Uint16Array([0xbc00]).buffer) },
      { name: "b", dtype: "BF16", shape: [1], data: new Uint8Array(new Uint16Array([0x4049]).buffer) },
      { name: "n", dtype: "I64", shape: [], data: new Uint8Array(new BigInt64Array([7n]).buffer) },
    ]);
    const sd = readSafetensors(bytes, "m.safetensors");
    expect(sd.get("a")).toEqual({ dtype: "float32", shape: [2, 2], values: Float32Array.from([1, 2, 3, 4]) });
    expect(Array.from(sd.get("h")!.values)).toEqual([-1]);
    expect(Array.from(sd.get("b")!.values)).toEqual([3.140625]);
    expect(sd.get("n")).toEqual({ dtype: "int64", shape: [], values: Float32Array.from([7]) });
  });

  const bad: [string, Uint8Array, string][] = [
    ["a header longer than the file", (() => {
      const b = safetensorsFile([{ name: "a", dtype: "F32", shape: [1], data: f32([1]) }]);
      new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
      return b;
    })(), "header length 1099511627776 exceeds the file"],
    ["a byte count that does not fit the shape", safetensorsFile([{ name: "a", dtype: "F32", shape: [3], data: f32([1, 2]) }]), "tensor a: 8 bytes for shape [3] of F32"],
    ["an unknown dtype", safetensorsFile([{ name: "a", dtype: "F8_E4M3", shape: [1], data: new Uint8Array(1) }]), 'tensor a: dtype "F8_E4M3"'],
    ["overlapping tensors", safetensorsFile([{ name: "data", dtype: "F32", shape: [2], data: f32([1, 2]) }], {
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
    }), "tensors a and b overlap"],
    ["offsets past the data", safetensorsFile([], { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }), "data_offsets [0, 4] outside the 0 data bytes"],
  ];
  test.each(bad)("rejects %s, naming the file and the tensor", (_, bytes, message) => {
    const err = thrown(() => readSafetensors(bytes, "m.safetensors"));
    expect(err.code).toBe("pretrained_unreadable");
    expect(err.message).toStartWith("m.safetensors: not a valid .safetensors file: ");
    expect(err.message).toContain(message);
  });
});

describe("readStateDict", () => {
  test("tells .pth from .safetensors by content, not by name", () => {
    const st = join(dir, "weights.pth");
    writeFileSync(st, safetensorsFile([{ name: "a", dtype: "F32", shape: [1], data: f32([2]) }]));
    expect(readStateDict(st).format).toBe("safetensors");
    const pth = join(dir, "weights.safetensors");
    writeFileSync(pth, pthFile(stateDictPickle([{ name: "a", key: "0", shape: [1] }], { 0: 1 }), { 0: f32([2]) }));
    expect(readStateDict(pth).format).toBe("pth");
  });

  test("refuses the legacy (PyTorch < 1.6) format and files that are neither, with a clear message", () => {
    const legacy = join(dir, "legacy.pth");
    writeFileSync(legacy, Uint8Array.from([0x80, 0x02, 0x8a, 0x0a]));
    expect(thrown(() => readStateDict(legacy)).message).toContain("legacy.pth: a legacy (PyTorch < 1.6) torch.save file; re-save it");
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello world, not weights");
    expect(thrown(() => readStateDict(text)).message).toBe(`${text}: neither a torch.save zip archive nor a .safetensors file (first bytes 68656c6c6f20776f)`);
  });
});

test("permuteAxes turns a torch conv weight [out, in, kh, kw] into tfjs's [kh, kw, in, out]", () => {
  // w[o][i][y][x] = 1000o + 100i + 10y + x
  const shape = [2, 3, 2, 2];
  const values = new Float32Array(24);
  for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) values[((o * 3 + i) * 2 + y) * 2 + x] = 1000 * o + 100 * i + 10 * y + x;
  const out = permuteAxes(values, shape, [2, 3, 1, 0]);
  expect(out.shape).toEqual([2, 2, 3, 2]);
  // out[y=1][x=0][i=2][o=1] at ((1·2 + 0)·3 + 2)·2 + 1 = 17
  expect(out.values[17]).toBe(1000 + 200 + 10);
});
