/**
 * A QuickJS instance's linear memory, put back after each step as it was when its context was ready
 * (the snapshot): the next step finds the context exactly as created (intrinsics, globals, allocator,
 * job queue), whatever the previous one did, without paying for a new context (~0.5-0.8 ms).
 *
 * Layout of the emscripten build: static data at the bottom, then the C stack (5 MiB, mostly never
 * touched), then the heap. The snapshot keeps every 16 KiB block below the top of the heap except the
 * largest all-zero run (the unused stack, dead memory between calls): ~180 KiB to copy back, not 5 MiB.
 * What a step wrote outside those blocks is zero-filled again, so no step's data stays in the instance:
 * - above the heap's top, everything below the allocator's break (emscripten's `sbrk` pointer, found once
 *   per instance by {@link findBreak}; nothing writes above the break and this allocator never lowers it);
 *   where the break was not found, page by page up to the first 64 KiB that are still zero;
 * - below the stack the snapshot keeps, the 320 KiB a step's stack can reach (QuickJS stops the step at
 *   256 KiB of stack), then page by page on down to the first 16 KiB still zero (a tripwire: it finds
 *   nothing unless a step went deeper than QuickJS allows).
 */

const BLOCK = 16 * 1024;
const PAGE = 4 * 1024;
/** Zero-filling above the heap top (break not found) stops after this many consecutive zero pages. */
const ZERO_PAGES_TO_STOP = 16;
/** Zero-filled unconditionally below the kept stack: the step's stack limit (256 KiB) and a margin. */
const STACK_FILL = 320 * 1024;
/** Below that, pages are checked and zero-filled until this many consecutive zero pages. */
const STACK_ZERO_PAGES_TO_STOP = 4;

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
  /** Lowest byte of the unused stack (the static data ends there). */
  stackFloor: number;
  /** Byte address of the allocator's break pointer (see {@link findBreak}); 0: not found. */
  breakAt: number;
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
  return {
    size: memory.buffer.byteLength,
    ranges,
    top: topBlock * BLOCK,
    stackTop: hole.to * BLOCK,
    stackFloor: hole.from * BLOCK,
    breakAt: 0,
  };
}

/**
 * Finds emscripten's `sbrk` pointer (the allocator's break: the heap's end) among the static words of
 * a snapshotted memory, by asking the allocator for 1 MiB more than it has: the one word that rises
 * past the new block's end and stays there once the block is freed (dlmalloc's own top pointer goes
 * back down). Call right after {@link takeSnapshot}, then {@link restoreMemory}; 0 when not exactly one
 * word fits (the restore then scans instead).
 *
 * @example
 * snap.breakAt = findBreak(memory, snap, module._malloc, module._free);
 */
export function findBreak(
  memory: WebAssembly.Memory,
  snap: MemorySnapshot,
  malloc: (n: number) => number,
  free: (p: number) => void,
): number {
  const staticWords = snap.stackFloor >> 2;
  const before = new Uint32Array(memory.buffer).slice(0, staticWords);
  const n = 1024 * 1024;
  const p = malloc(n);
  if (!p) return 0;
  const during = new Uint32Array(memory.buffer).slice(0, staticWords);
  free(p);
  const after = new Uint32Array(memory.buffer);
  const found: number[] = [];
  for (let i = 0; i < staticWords; i++) {
    const v = during[i]!;
    if (v !== before[i] && v >= p + n && v <= memory.buffer.byteLength && after[i] === v && before[i]! <= v) {
      found.push(i * 4);
    }
  }
  return found.length === 1 && (before[found[0]! >> 2] ?? 0) >= snap.stackTop ? found[0]! : 0;
}

/** Zero-fills dirty pages from `from` in `step` direction (±PAGE) until `stopAfter` clean ones. */
function wipe(words: Uint32Array, from: number, end: number, step: number, stopAfter: number): void {
  let zeroRun = 0;
  for (let page = from; page !== end && zeroRun < stopAfter; page += step) {
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
  const words = new Uint32Array(memory.buffer);
  // Read before the static data (which holds it) is written back.
  const brk = snap.breakAt ? words[snap.breakAt >> 2]! : 0;
  const bytes = new Uint8Array(memory.buffer);
  for (const r of snap.ranges) bytes.set(r.bytes, r.start);
  // The heap above its snapshotted top: up to the break, or (break unknown or implausible) scanned.
  if (brk >= snap.stackTop && brk <= snap.size) {
    if (brk > snap.top) bytes.fill(0, snap.top, brk);
  } else wipe(words, snap.top, snap.size, PAGE, ZERO_PAGES_TO_STOP);
  // The stack below what the snapshot keeps, downward.
  if (snap.stackTop > 0) {
    const floor = Math.max(snap.stackFloor, snap.stackTop - STACK_FILL);
    bytes.fill(0, floor, snap.stackTop);
    if (floor > snap.stackFloor) wipe(words, floor - PAGE, snap.stackFloor - PAGE, -PAGE, STACK_ZERO_PAGES_TO_STOP);
  }
  return true;
}
