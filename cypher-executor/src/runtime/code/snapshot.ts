/**
 * A QuickJS instance's linear memory, put back after each step as it was when its context was ready
 * (the snapshot): the next step finds the context exactly as created (intrinsics, globals, allocator,
 * job queue), whatever the previous one did, without paying for a new context (~0.5-0.8 ms).
 *
 * Layout of the emscripten build: static data at the bottom, then the C stack (5 MiB, mostly never
 * touched), then the heap. The snapshot keeps every 16 KiB block below the top of the heap except the
 * largest all-zero run (the unused stack, dead memory between calls): ~180 KiB to copy back, not 5 MiB.
 * Above the snapshot's heap top, and below the stack it keeps, what a step wrote is zero-filled again
 * (page by page, up to the first 64 KiB that are still zero): no step's data stays in the instance.
 */

const BLOCK = 16 * 1024;
const PAGE = 4 * 1024;
/** Zero-filling above the heap top stops after this many consecutive zero pages. */
const ZERO_PAGES_TO_STOP = 16;

interface Range {
  start: number;
  bytes: Uint8Array;
}

/** What {@link restoreMemory} writes back. */
export interface MemorySnapshot {
  size: number;
  ranges: Range[];
  /** First byte above the heap as it was (zero from here to the end of memory at snapshot time). */
  top: number;
  /** First byte above the unused stack (the stack grows down from here into it); 0: none found. */
  stackTop: number;
}

function blockIsZero(words: Uint32Array, block: number): boolean {
  const from = (block * BLOCK) >> 2;
  const to = from + (BLOCK >> 2);
  for (let i = from; i < to; i++) if (words[i] !== 0) return false;
  return true;
}

/**
 * Takes the snapshot of `memory` now (call it between calls into the instance).
 *
 * @example
 * const snap = takeSnapshot(memory); // after the context is set up
 * restoreMemory(memory, snap); // after each step
 */
export function takeSnapshot(memory: WebAssembly.Memory): MemorySnapshot {
  const words = new Uint32Array(memory.buffer);
  const blocks = memory.buffer.byteLength / BLOCK;
  const zero: boolean[] = [];
  for (let b = 0; b < blocks; b++) zero.push(blockIsZero(words, b));
  let topBlock = blocks;
  while (topBlock > 0 && zero[topBlock - 1]) topBlock--;
  // The largest all-zero run below the heap top: the unused part of the C stack.
  let hole = { from: 0, to: 0 };
  for (let b = 0; b < topBlock; ) {
    if (!zero[b]) {
      b++;
      continue;
    }
    let e = b;
    while (e < topBlock && zero[e]) e++;
    if (e - b > hole.to - hole.from) hole = { from: b, to: e };
    b = e;
  }
  const bytes = new Uint8Array(memory.buffer);
  const ranges: Range[] = [];
  const keep = (from: number, to: number) => {
    if (to > from) ranges.push({ start: from * BLOCK, bytes: bytes.slice(from * BLOCK, to * BLOCK) });
  };
  keep(0, hole.from);
  keep(hole.to, topBlock);
  return { size: memory.buffer.byteLength, ranges, top: topBlock * BLOCK, stackTop: hole.to * BLOCK };
}

/** Zero-fills dirty pages from `from` in `step` direction (±PAGE) until ZERO_PAGES_TO_STOP clean ones. */
function wipe(words: Uint32Array, from: number, end: number, step: number): void {
  let zeroRun = 0;
  for (let page = from; page !== end && zeroRun < ZERO_PAGES_TO_STOP; page += step) {
    const lo = page >> 2;
    const hi = lo + (PAGE >> 2);
    let dirty = false;
    for (let i = lo; i < hi; i++) {
      if (words[i] !== 0) {
        dirty = true;
        break;
      }
    }
    if (dirty) {
      words.fill(0, lo, hi);
      zeroRun = 0;
    } else zeroRun++;
  }
}

/**
 * Writes the snapshot back. False (nothing written) when the memory grew since: that instance is not
 * reused (a grown memory never shrinks, and zero-filling it all would cost more than a new instance).
 */
export function restoreMemory(memory: WebAssembly.Memory, snap: MemorySnapshot): boolean {
  if (memory.buffer.byteLength !== snap.size) return false;
  const bytes = new Uint8Array(memory.buffer);
  for (const r of snap.ranges) bytes.set(r.bytes, r.start);
  const words = new Uint32Array(memory.buffer);
  // The heap above its snapshotted top, upward; the stack below what the snapshot keeps, downward.
  wipe(words, snap.top, snap.size, PAGE);
  if (snap.stackTop > 0) wipe(words, snap.stackTop - PAGE, -PAGE, -PAGE);
  return true;
}
