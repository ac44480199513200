// Test-only component (never shipped): the attacker's view of instance reuse. It keeps state the
// way a careless or hostile component would (a global counter, a counter in static memory, a
// string on the heap) and scans its whole linear memory for a secret an earlier call was given.
// The needle arrives XOR-ed with 0x5A, so the plain secret is never in this call's own input.
// Input: { op: "remember" | "scan" | "remember_scan" | "hold", secret?, needle_x?, others_x? }
// "hold" keeps its secret across a host call (the JSPI bridge suspends it, so concurrent calls interleave),
// then reports whether the secret is still its own and how many of the other calls' secrets it can see. — see cypher-executor/test/runtime-pool.test.ts.
import { JSON, kvGet, readInput, writeOutput } from "../../../sdk/assemblyscript";

let calls: i32 = 0;
let kept: string = "";
const cell = memory.data(8);

function str(o: JSON.Obj, key: string): string {
  const v = o.get(key);
  return v ? v.get<string>() : "";
}

function hexByte(s: string, i: i32): u8 {
  return <u8>I32.parseInt(s.substr(i * 2, 2), 16);
}

/** True when the secret (given XOR-ed) is anywhere in memory, as UTF-8 or as UTF-16LE. */
function scan(needleX: string): bool {
  const n = needleX.length / 2;
  if (n == 0) return false;
  const x = new StaticArray<u8>(n);
  for (let i = 0; i < n; i++) x[i] = hexByte(needleX, i);
  const end = (<usize>memory.size()) << 16;
  for (let p: usize = 0; p + <usize>n * 2 <= end; p++) {
    let utf8 = true;
    let utf16 = true;
    for (let j = 0; j < n && (utf8 || utf16); j++) {
      const want = x[j] ^ 0x5a;
      if (utf8 && load<u8>(p + <usize>j) != want) utf8 = false;
      if (utf16 && (load<u8>(p + <usize>j * 2) != want || load<u8>(p + <usize>j * 2 + 1) != 0)) utf16 = false;
    }
    if (utf8 || utf16) return true;
  }
  return false;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const op = str(input, "op");
  calls++;
  store<i32>(cell, load<i32>(cell) + 1);
  const out = new JSON.Obj();
  out.set("calls", calls);
  out.set("cell", load<i32>(cell));
  out.set("kept_length", kept.length);
  if (op == "remember" || op == "remember_scan") kept = str(input, "secret");
  if (op == "scan" || op == "remember_scan") out.set("found", scan(str(input, "needle_x")));
  if (op == "hold") {
    kept = str(input, "secret");
    kvGet("oauth2:residue");
    out.set("kept_own", kept == str(input, "secret"));
    let seen = 0;
    const others = input.get("others_x");
    if (others) {
      const list = others.get<JSON.Arr>();
      for (let i = 0; i < list.length; i++) if (scan(list.at(i).get<string>())) seen++;
    }
    out.set("others_seen", seen);
  }
  writeOutput<JSON.Obj>(out);
}

main();
