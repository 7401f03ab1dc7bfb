import { createRequire } from "node:module";
import { TaskError, errorMessage } from "../../errors/index.ts";

/**
 * Lossless JPEG-LS and JPEG 2000 encoding through the Emscripten builds of CharLS and OpenJPEG
 * (their `wasmjs` exports). Each module is instantiated once per process, on first use.
 */

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** The shape the Emscripten/embind encoders share: pixels in, bitstream out, memory freed by delete(). */
interface WasmEncoder {
  getDecodedBuffer(frame: FrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array | Uint8ClampedArray;
  encode(): void;
  delete(): void;
}

interface CharLsModule {
  JpegLSEncoder: new () => WasmEncoder & { setNearLossless(near: number): void };
}

interface OpenJpegModule {
  J2KEncoder: new () => WasmEncoder & { setQuality(lossless: boolean, layers: number): void; setDecompositions(levels: number): void };
}

type Factory<M> = (options?: Record<string, unknown>) => Promise<M>;

const require = createRequire(import.meta.url);

/** A codec module instantiated on first use; its console output is kept for error messages. */
class Codec<M> {
  private instance: Promise<M> | undefined;
  private output: string[] = [];
  constructor(private readonly specifier: string) {}

  private load(): Promise<M> {
    this.instance ??= (async () => {
      const factory = require(this.specifier) as Factory<M>;
      // Emscripten builds the module inside this object, so it must be a fresh one per instance.
      const log = (line: string) => void this.output.push(line);
      return factory({ print: log, printErr: log });
    })().catch((err: unknown) => {
      this.instance = undefined;
      throw new TaskError("codec_unavailable", `cannot load ${this.specifier}: ${errorMessage(err)}`, { cause: err });
    });
    return this.instance;
  }

  /** Copies the pixels in, encodes, copies the bitstream out (the wasm view dies with delete()). */
  async encode(create: (module: M) => WasmEncoder, frame: FrameInfo, samples: Uint8Array, what: string): Promise<Uint8Array> {
    const encoder = create(await this.load());
    this.output = [];
    try {
      const input = encoder.getDecodedBuffer(frame);
      if (input.length !== samples.length) throw new Error(`codec expects ${input.length} bytes, got ${samples.length}`);
      input.set(samples);
      encoder.encode();
      return new Uint8Array(encoder.getEncodedBuffer());
    } catch (err) {
      // A wasm trap leaves an emscripten module unusable: instantiate a new one next time.
      if (err instanceof WebAssembly.RuntimeError) this.instance = undefined;
      // Embind C++ exceptions arrive as bare numbers; the codec's own message is in its output.
      const detail = [err instanceof Error ? err.message : `codec exception ${String(err)}`, ...this.output.map((l) => l.trim())].filter(Boolean).join("; ");
      throw new TaskError("dicom_write_codec", `${what} encoding of a ${frame.width}×${frame.height} ${frame.bitsPerSample}-bit frame failed: ${detail}`, { cause: err });
    } finally {
      encoder.delete();
    }
  }
}

const charls = new Codec<CharLsModule>("@cornerstonejs/codec-charls/wasmjs");
const openjpeg = new Codec<OpenJpegModule>("@cornerstonejs/codec-openjpeg/wasmjs");

/**
 * JPEG-LS lossless (NEAR = 0) of little-endian samples (1 byte per sample up to 8 bits, else 2).
 * CharLS codes unsigned samples of `bitsPerSample` bits, so signed data must arrive masked to
 * that many bits (the DICOM convention for signed JPEG-LS).
 */
export async function encodeJpegLs(samples: Uint8Array, width: number, height: number, bitsPerSample: number): Promise<Uint8Array> {
  const frame = { width, height, bitsPerSample, componentCount: 1 };
  return charls.encode(
    (mod) => {
      const encoder = new mod.JpegLSEncoder();
      encoder.setNearLossless(0);
      return encoder;
    },
    frame,
    samples,
    "JPEG-LS",
  );
}

/** JPEG 2000 lossless (reversible 5/3 wavelet, one quality layer, up to 5 levels) as a raw J2K codestream. */
export async function encodeJpeg2000(samples: Uint8Array, width: number, height: number, bitsPerSample: number, isSigned: boolean): Promise<Uint8Array> {
  const frame = { width, height, bitsPerSample, componentCount: 1, isSigned };
  return openjpeg.encode(
    (mod) => {
      const encoder = new mod.J2KEncoder();
      encoder.setQuality(true, 0);
      // OpenJPEG refuses more wavelet levels than the smaller side can halve (default 5 needs ≥ 32 px).
      encoder.setDecompositions(Math.min(5, Math.floor(Math.log2(Math.min(width, height)))));
      return encoder;
    },
    frame,
    samples,
    "JPEG 2000",
  );
}
