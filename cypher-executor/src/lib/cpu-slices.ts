/**
 * The CPU budget of a component call, handed out in slices (docs/component-abi.md § CPU budget).
 *
 * The build counts fuel down at every loop header and function entry and calls `u6u.fuel_slice` when
 * the counter drops below zero (registry/scripts/fuel.mjs). Each call refills the counter with the next
 * slice of the budget and decides whether the component has held the isolate long enough: then, on the
 * JSPI bridge, it suspends the component on a 1 ms timer so the isolate's other requests run before it
 * goes on. A runaway component therefore delays others by one slice, not by its whole budget.
 *
 * Calls without host imports start on the cheaper plain bridge, which cannot suspend. Most of them end
 * within their first slice; one that does not is stopped there and run again from its start on the JSPI
 * bridge. That is safe because a call without host imports has no effect outside its own output, and it
 * costs at most one slice of repeated work.
 */
import { Abort, type CallState, stop } from "./wasi-preview1";

/** Fuel per slice: a tight loop spends this in ~1 ms on a 2-core x86 box. */
export const FUEL_SLICE = 250_000;
/** A call yields after this long where the clock advances during execution (workerd locally)... */
const SLICE_MS = 2;
/** ...or after this many slices where it does not (Cloudflare freezes clocks until I/O): ~4 ms of a tight loop. */
const SLICES_PER_YIELD = 4;

/**
 * Host calls between yields. A host call suspends the component, but one answered without I/O (a refused
 * or cached read) resumes it within the same task, so a host-call loop would hold the isolate as a CPU
 * loop does; it yields every this many calls, or after SLICE_MS.
 */
const HOST_CALLS_PER_YIELD = 50;

/** Thrown through a plain-bridge call that outlived its first slice: the caller reruns it sliced. */
export class Reslice {}

/** Where a call stands in its budget; part of the call's state. */
export interface SliceState {
  /** Fuel of the budget not yet handed to the component. */
  fuelLeft: number;
  /** Slices used since the last yield. */
  slices: number;
  /** Host calls made since the last yield. */
  hostCalls: number;
  /** `performance.now()` when the component last got the isolate. */
  since: number;
  /** On the plain bridge with JSPI at hand: outliving the slice means starting over on the JSPI bridge. */
  reslice: boolean;
}

/**
 * The budget of a call: the first slice (for the counter) and the state that hands out the rest.
 *
 * @example
 * const { first, slices } = startSlices(50_000_000, false); // first: 250_000
 */
export function startSlices(fuel: number, reslice: boolean): { first: number; slices: SliceState } {
  const first = Math.min(fuel, FUEL_SLICE);
  return { first, slices: { fuelLeft: fuel - first, slices: 0, hostCalls: 0, since: performance.now(), reslice } };
}

/**
 * What `u6u.fuel_slice` does: refill `counter` with the next slice, end the call when its budget or
 * deadline is spent, and return a promise (a yield) when the component has held the isolate for long
 * enough and `canSuspend`.
 */
export function nextSlice(
  state: CallState | undefined,
  counter: WebAssembly.Global | undefined,
  canSuspend: boolean,
): Promise<void> | undefined {
  // Only a start section runs without a call; it gets the build's start-up fuel and nothing more.
  if (!state?.slices) throw new Abort("CPU_LIMIT_EXCEEDED", "the component used up its start-up fuel");
  const s = state.slices;
  if (s.fuelLeft <= 0) {
    stop(
      state,
      new Abort("CPU_LIMIT_EXCEEDED", `the component used up its CPU budget (${state.limits.fuel} fuel units)`),
    );
  }
  if (Date.now() > state.limits.deadline) stop(state, new Abort("TIMEOUT", "the call ran past its deadline"));
  const next = Math.min(FUEL_SLICE, s.fuelLeft);
  s.fuelLeft -= next;
  if (counter) counter.value = next;
  s.slices++;
  if (s.slices < SLICES_PER_YIELD && performance.now() - s.since < SLICE_MS) return undefined;
  if (s.reslice) throw new Reslice();
  if (!canSuspend) return undefined;
  return yieldIsolate(s);
}

/**
 * After a host call (always on the JSPI bridge): a promise to await when the call has held the isolate
 * long enough, counting host calls as well as time.
 *
 * @example
 * const pause = afterHostCall(state); if (pause) await pause;
 */
export function afterHostCall(state: CallState): Promise<void> | undefined {
  const s = state.slices;
  if (!s) return undefined;
  s.hostCalls++;
  if (s.hostCalls < HOST_CALLS_PER_YIELD && performance.now() - s.since < SLICE_MS) return undefined;
  return yieldIsolate(s);
}

function yieldIsolate(s: SliceState): Promise<void> {
  s.slices = 0;
  s.hostCalls = 0;
  // A 1 ms timer, not 0: workerd runs ready timers before it polls for new requests.
  return new Promise((resolve) =>
    setTimeout(() => {
      s.since = performance.now();
      resolve();
    }, 1),
  );
}
