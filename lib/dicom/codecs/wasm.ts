import { TaskError, errorMessage } from "../../errors/index.ts";
import { DicomError } from "../errors.ts";

/**
 * Emscripten module options that keep a codec's console chatter out of the task's output. A new
 * object per instantiation: emscripten builds the module inside it, and a second instance in the
 * same object fails ("Cannot register public name … twice").
 */
export function silent(): object {
  return { print: () => {}, printErr: () => {} };
}

/** A wasm codec instantiated on first use and shared afterwards. */
export interface LazyCodec<M> {
  /**
   * Runs `use` on the (shared) module; `use` creates and frees its own decoder. A codec error becomes a
   * DicomError ("corrupt_pixel_data"); an aborted module (a wasm trap) is dropped and
   * instantiated again next time, since emscripten leaves it unusable.
   */
  run<T>(file: string, use: (module: M) => T): Promise<T>;
}

export function lazyCodec<M>(name: string, load: () => Promise<M>): LazyCodec<M> {
  let instance: Promise<M> | undefined;
  const get = (): Promise<M> => {
    instance ??= load().catch((err: unknown) => {
      instance = undefined;
      throw new TaskError("codec_unavailable", `cannot load the ${name} codec: ${errorMessage(err)}`, { cause: err });
    });
    return instance;
  };
  return {
    async run(file, use) {
      const module = await get();
      try {
        return use(module);
      } catch (err) {
        if (err instanceof DicomError) throw err;
        if (err instanceof WebAssembly.RuntimeError) instance = undefined;
        // Embind C++ exceptions arrive as bare numbers: say which codec failed instead.
        const detail = err instanceof Error ? err.message : `codec exception ${String(err)}`;
        throw new DicomError(file, "corrupt_pixel_data", `${name}: ${detail}`, { cause: err });
      }
    },
  };
}
