import { expect, test } from "bun:test";
import { lazyCodec } from "../../../lib/dicom/codecs/wasm.ts";
import { DicomError } from "../../../lib/dicom/index.ts";
import { TaskError } from "../../../lib/errors/index.ts";

// A wasm trap (CharLS reads out of bounds on some damaged JPEG-LS streams, found by fuzzing)
// leaves an emscripten module unusable; a plain codec exception does not.

test("lazyCodec(name, load).run instantiates once, and again only after a wasm trap", async () => {
  let loads = 0;
  const codec = lazyCodec("Fake", async () => ({ instance: ++loads }));
  expect(await codec.run("a.dcm", (m) => m.instance)).toBe(1);
  const trap = await codec.run("b.dcm", () => {
    throw new WebAssembly.RuntimeError("Out of bounds memory access");
  }).catch((e: unknown) => e);
  expect(trap).toBeInstanceOf(DicomError);
  expect((trap as DicomError).message).toBe("unreadable DICOM b.dcm (corrupt_pixel_data): Fake: Out of bounds memory access");
  expect(await codec.run("c.dcm", (m) => m.instance)).toBe(2);
  await expect(
    codec.run("d.dcm", () => {
      throw 5_245_016; // how embind hands over a C++ exception
    }),
  ).rejects.toThrow("unreadable DICOM d.dcm (corrupt_pixel_data): Fake: codec exception 5245016");
  expect(await codec.run("e.dcm", (m) => m.instance)).toBe(2);
});

test("lazyCodec(name, load).run: a module that fails to load is a TaskError, retried next time", async () => {
  let loads = 0;
  const codec = lazyCodec("Fake", async () => {
    if (++loads === 1) throw new Error("no wasm file");
    return { instance: loads };
  });
  const err = await codec.run("a.dcm", (m) => m.instance).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TaskError);
  expect(err).not.toBeInstanceOf(DicomError);
  expect((err as TaskError).message).toBe("cannot load the Fake codec: no wasm file");
  expect(await codec.run("b.dcm", (m) => m.instance)).toBe(2);
});
