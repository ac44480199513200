// Test-only component (never shipped): no host imports, so it starts on the plain bridge.
// Input: { op: "spin" } loops forever; { op: "sum", n, log? } adds 0..n-1 (mod 2^32) with a
// multiply per step, so a large n runs over many CPU slices (cypher-executor/test/cpu-slices.test.ts).
import { fail, JSON, log, readInput, writeOutput } from "../../../sdk/assemblyscript";

function main(): void {
  const input = readInput<JSON.Obj>();
  const opField = input.get("op");
  const op = opField ? opField.get<string>() : "";
  if (op == "spin") {
    let i: i64 = 0;
    while (true) i++;
  } else if (op == "sum") {
    const nField = input.get("n");
    const n = nField ? <u32>nField.get<f64>() : 0;
    const logField = input.get("log");
    if (logField && logField.get<bool>()) log("summing " + n.toString());
    let acc: u32 = 0;
    for (let i: u32 = 0; i < n; i++) acc = acc * 31 + i;
    const out = new JSON.Obj();
    out.set("n", <f64>n);
    out.set("acc", <f64>acc);
    writeOutput<JSON.Obj>(out);
  } else {
    fail("UNKNOWN_OP", "unknown op " + op);
  }
}

main();
