import { closeSync, fstatSync, openSync } from "node:fs";
import { readLayout, type FileLayout } from "./layout.ts";
import { fileSource } from "./source.ts";

/**
 * Checks a file's structure without reading it whole: the header and the pixel data's item
 * headers (`readLayout`), through a file descriptor. A bad file (a zero-filled tail, a cut, a
 * damaged length) is refused with a DicomError at the cost of reading a few kilobytes, whatever
 * its size; a file that passes still has to decode. I/O errors (missing file, no permission)
 * are thrown as they come.
 */
export function probeDicomFile(path: string): FileLayout & { size: number } {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    return { ...readLayout(fileSource(fd, size), path), size };
  } finally {
    closeSync(fd);
  }
}
