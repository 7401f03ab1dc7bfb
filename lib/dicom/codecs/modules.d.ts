// Types for modules that ship none: the emscripten builds of the codecs (each default export
// is a factory that instantiates the wasm module; only the decoder parts used here are typed)
// and the JPEG lossless decoder.

declare module "@cornerstonejs/codec-charls/decodewasmjs" {
  export interface JpegLSFrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
  }
  export interface JpegLSDecoder {
    /** A view into wasm memory of `length` bytes to copy the codestream into. */
    getEncodedBuffer(length: number): Uint8Array;
    decode(): void;
    getFrameInfo(): JpegLSFrameInfo;
    /** A view into wasm memory; invalid after delete(). 16-bit samples are little endian. */
    getDecodedBuffer(): Uint8Array;
    delete(): void;
  }
  export interface CharLSModule {
    JpegLSDecoder: new () => JpegLSDecoder;
  }
  const factory: (options?: object) => Promise<CharLSModule>;
  export default factory;
}

declare module "@cornerstonejs/codec-openjpeg/decodewasmjs" {
  export interface J2KFrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
  }
  export interface J2KDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    decode(): void;
    getFrameInfo(): J2KFrameInfo;
    getDecodedBuffer(): Uint8Array;
    delete(): void;
  }
  export interface OpenJPEGModule {
    J2KDecoder: new () => J2KDecoder;
  }
  const factory: (options?: object) => Promise<OpenJPEGModule>;
  export default factory;
}

// jpeg-lossless-decoder-js names release/lossless.d.ts as its types, but does not ship it.
declare module "jpeg-lossless-decoder-js" {
  export class Decoder {
    /** Decodes the JPEG at buffer[offset, offset + length): 8-bit precision → bytes, else 16-bit words. */
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
    /** After decode: the input and how far it was read (past `buffer.length` when the data ran out). */
    stream?: { index: number; buffer: Uint8Array };
    /** After decode: the next pixel's row and the image height (a scan that stopped early leaves yLoc < yDim). */
    yLoc?: number;
    yDim?: number;
  }
}
