// Build-time CPU budget for components ("fuel"), see docs/component-abi.md § CPU budget.
// A mutable i32 global `__u6u_fuel` is added and exported; each loop iteration and each function
// entry decrements it and, once it drops below zero, calls the host import `u6u.fuel_slice`: the host
// refills the counter with the next slice of the call's budget (yielding the event loop between slices,
// so a long or runaway call cannot stall the isolate's other requests) or ends the call with
// CPU_LIMIT_EXCEEDED when the budget is spent.
//
// The same pass prepares the module for instance reuse (docs/component-abi.md § Instance reuse):
// it adds `__u6u_reset` (every mutable global back to its initial value) and exports
// `__u6u_reusable` when restoring memory + globals is enough to make a used instance
// indistinguishable from a fresh one (no start function, no data.drop). The host never reuses a
// module without that mark.
import binaryen from "binaryen";

export const FUEL_GLOBAL = "__u6u_fuel";
/** The host import the counter calls when it drops below zero (docs/component-abi.md § CPU budget). */
export const FUEL_SLICE_IMPORT = "fuel_slice";
const FUEL_SLICE_FN = "__u6u_fuel_slice";
/**
 * Every `memory.grow` becomes a call of this host import, so the host enforces the call's memory limit when
 * the memory grows (not only at the end or at a trap) and can yield between growths.
 */
export const MEMORY_GROW_IMPORT = "memory_grow";
const MEMORY_GROW_FN = "__u6u_memory_grow";
export const RESET_EXPORT = "__u6u_reset";
export const REUSABLE_EXPORT = "__u6u_reusable";
/** Used only if a start section runs before the host sets the budget. */
const INITIAL_FUEL = 10_000_000;

/** Expression-valued fields of each binaryen expression kind (others have no children). */
const CHILDREN = new Map([
  [binaryen.BlockId, ["children"]],
  [binaryen.IfId, ["condition", "ifTrue", "ifFalse"]],
  [binaryen.LoopId, ["body"]],
  [binaryen.BreakId, ["condition", "value"]],
  [binaryen.SwitchId, ["condition", "value"]],
  [binaryen.CallId, ["operands"]],
  [binaryen.CallIndirectId, ["target", "operands"]],
  [binaryen.LocalSetId, ["value"]],
  [binaryen.GlobalSetId, ["value"]],
  [binaryen.LoadId, ["ptr"]],
  [binaryen.StoreId, ["ptr", "value"]],
  [binaryen.UnaryId, ["value"]],
  [binaryen.BinaryId, ["left", "right"]],
  [binaryen.SelectId, ["ifTrue", "ifFalse", "condition"]],
  [binaryen.DropId, ["value"]],
  [binaryen.ReturnId, ["value"]],
  [binaryen.MemoryGrowId, ["delta"]],
  [binaryen.MemoryCopyId, ["dest", "source", "size"]],
  [binaryen.MemoryFillId, ["dest", "value", "size"]],
  [binaryen.MemoryInitId, ["dest", "offset", "size"]],
  [binaryen.AtomicRMWId, ["ptr", "value"]],
  [binaryen.AtomicCmpxchgId, ["ptr", "expected", "replacement"]],
  [binaryen.TryId, ["body", "catchBodies"]],
  [binaryen.ThrowId, ["operands"]],
  [binaryen.TupleMakeId, ["operands"]],
  [binaryen.TupleExtractId, ["tuple"]],
]);
/** binaryen.js class of each kind with children, for its setters (`setValue`, `setChildAt`, ...). */
const CLASS = new Map(
  [
    "Block",
    "If",
    "Loop",
    "Break",
    "Switch",
    "Call",
    "CallIndirect",
    "LocalSet",
    "GlobalSet",
    "Load",
    "Store",
    "Unary",
    "Binary",
    "Select",
    "Drop",
    "Return",
    "MemoryGrow",
    "MemoryCopy",
    "MemoryFill",
    "MemoryInit",
    "AtomicRMW",
    "AtomicCmpxchg",
    "Try",
    "Throw",
    "TupleMake",
    "TupleExtract",
  ].map((name) => [binaryen[`${name}Id`], name]),
);
const ARRAY_SETTER = { children: "setChildAt", operands: "setOperandAt", catchBodies: "setCatchBodyAt" };

const LEAVES = new Set(
  [
    "ConstId",
    "LocalGetId",
    "GlobalGetId",
    "NopId",
    "UnreachableId",
    "MemorySizeId",
    "DataDropId",
    "RefNullId",
    "RefFuncId",
    "RethrowId",
  ].map((k) => binaryen[k]),
);

/**
 * Returns `wasm` with fuel checks at every loop header and function entry.
 *
 * @example
 * const out = instrumentFuel(readFileSync("set.wasm"));
 */
export function instrumentFuel(wasm) {
  const mod = binaryen.readBinary(wasm);
  try {
    // Validate with every feature on: the compiler already chose the features the module uses.
    mod.setFeatures(binaryen.Features.All);
    if (hasGlobal(mod, FUEL_GLOBAL)) return wasm;
    mod.addGlobal(FUEL_GLOBAL, binaryen.i32, true, mod.i32.const(INITIAL_FUEL));
    mod.addGlobalExport(FUEL_GLOBAL, FUEL_GLOBAL);
    mod.addFunctionImport(FUEL_SLICE_FN, "u6u", FUEL_SLICE_IMPORT, binaryen.none, binaryen.none);
    mod.addFunctionImport(MEMORY_GROW_FN, "u6u", MEMORY_GROW_IMPORT, binaryen.i32, binaryen.i32);
    const check = () => [
      mod.global.set(FUEL_GLOBAL, mod.i32.sub(mod.global.get(FUEL_GLOBAL, binaryen.i32), mod.i32.const(1))),
      mod.if(
        mod.i32.lt_s(mod.global.get(FUEL_GLOBAL, binaryen.i32), mod.i32.const(0)),
        mod.call(FUEL_SLICE_FN, [], binaryen.none),
      ),
    ];
    const loops = [];
    // data.drop empties a segment for good: a restored instance could not redo its memory.init.
    let dropsData = false;
    // memory.grow(delta) → call $__u6u_memory_grow(delta): the same operand, result and type.
    const grow = (expr) => mod.call(MEMORY_GROW_FN, [binaryen.getExpressionInfo(expr).delta], binaryen.i32);
    const isGrow = (expr) => expr && binaryen.getExpressionId(expr) === binaryen.MemoryGrowId;
    const walk = (expr) => {
      if (!expr) return;
      const id = binaryen.getExpressionId(expr);
      if (id === binaryen.DataDropId) dropsData = true;
      if (LEAVES.has(id)) return;
      const fields = CHILDREN.get(id);
      if (!fields) throw new Error(`fuel instrumentation does not know expression kind ${id}`);
      if (id === binaryen.LoopId) loops.push(expr);
      const info = binaryen.getExpressionInfo(expr);
      const cls = binaryen[CLASS.get(id)];
      for (const f of fields) {
        const v = info[f];
        if (Array.isArray(v)) {
          v.forEach((c, k) => {
            walk(c);
            if (isGrow(c)) cls[ARRAY_SETTER[f]](expr, k, grow(c));
          });
        } else {
          walk(v);
          if (isGrow(v)) cls[`set${f[0].toUpperCase()}${f.slice(1)}`](expr, grow(v));
        }
      }
    };
    for (let i = 0; i < mod.getNumFunctions(); i++) {
      const fn = mod.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(fn);
      if (info.module || !info.body) continue; // imported
      walk(info.body);
      const body = isGrow(info.body) ? grow(info.body) : info.body;
      binaryen.Function.setBody(fn, mod.block(null, [...check(), body], binaryen.auto));
    }
    for (const loop of loops) {
      const body = binaryen.Loop.getBody(loop);
      binaryen.Loop.setBody(loop, mod.block(null, [...check(), body], binaryen.auto));
    }
    exportState(mod, !dropsData && mod.getStart() === 0);
    if (!mod.validate()) throw new Error("fuel instrumentation produced an invalid module");
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

/**
 * Adds `__u6u_reset`, a function that sets every mutable global (the allocator's heap pointers,
 * module statics, AssemblyScript's `~started` guard, Go's stack pointer) back to its initial value,
 * and marks the module reusable when `safe` and nothing is shared with the host (imported memory,
 * globals or tables). Fuel is not reset: the host sets it on every call.
 */
function exportState(mod, safe) {
  const resets = [];
  for (let i = 0; i < mod.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(mod.getGlobalByIndex(i));
    if (!g.mutable || g.name === FUEL_GLOBAL) continue;
    if (g.module) safe = false;
    else resets.push(mod.global.set(g.name, mod.copyExpression(g.init)));
  }
  // Tables are immutable unless code uses table.set/grow/fill/copy/init, which the fuel walker
  // refuses as unknown expression kinds.
  for (let i = 0; i < mod.getNumTables(); i++) {
    if (binaryen.getTableInfo(mod.getTableByIndex(i)).module) safe = false;
  }
  if (mod.hasMemory() && (mod.getMemoryInfo().module || mod.getMemoryInfo().shared)) safe = false;
  if (!safe) return;
  mod.addFunction(RESET_EXPORT, binaryen.none, binaryen.none, [], mod.block(null, resets, binaryen.none));
  mod.addFunctionExport(RESET_EXPORT, RESET_EXPORT);
  mod.addGlobal(REUSABLE_EXPORT, binaryen.i32, false, mod.i32.const(1));
  mod.addGlobalExport(REUSABLE_EXPORT, REUSABLE_EXPORT);
}

function hasGlobal(mod, name) {
  try {
    return mod.getGlobal(name) !== 0;
  } catch {
    return false;
  }
}
