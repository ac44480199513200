// Test-only component (never shipped): exercises each host function and each runtime limit.
// Input: { op, ... } — see registry/test/runtime.test.ts.
import {
  cryptoDecrypt,
  cryptoSignRs256,
  fail,
  HttpRequest,
  httpRequest,
  JSON,
  kvGet,
  kvGetRaw,
  kvPut,
  log,
  pending,
  readInput,
  writeOutput,
  writeOutputRaw,
} from "../../../sdk/assemblyscript";

function str(o: JSON.Obj, key: string): string {
  const v = o.get(key);
  return v ? v.get<string>() : "";
}

function num(o: JSON.Obj, key: string): i32 {
  const v = o.get(key);
  return v ? <i32>v.get<f64>() : 0;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const op = str(input, "op");
  const out = new JSON.Obj();
  if (op == "echo") {
    writeOutput<JSON.Obj>(input);
  } else if (op == "kv_get") {
    const v = kvGet(str(input, "key"));
    if (v === null) out.set("value", JSON.Value.from<JSON.Obj | null>(null));
    else out.set("value", v);
    writeOutput<JSON.Obj>(out);
  } else if (op == "kv_get_raw") {
    const r = kvGetRaw('{"key":' + JSON.stringify(str(input, "key")) + "}");
    writeOutputRaw('{"ok":' + (r.ok ? "true" : "false") + ',"body":' + r.body + "}");
  } else if (op == "kv_put") {
    kvPut(str(input, "key"), str(input, "value"), num(input, "ttl"));
    out.set("ok", true);
    writeOutput<JSON.Obj>(out);
  } else if (op == "http") {
    const req = new HttpRequest();
    req.url = str(input, "url");
    const m = str(input, "method");
    if (m.length > 0) req.method = m;
    const h = input.get("headers");
    if (h) {
      const ho = h.get<JSON.Obj>();
      const keys = ho.keys();
      for (let i = 0; i < keys.length; i++) req.headers.set(keys[i], ho.get(keys[i])!.get<string>());
    }
    if (input.has("body")) req.body = str(input, "body");
    const res = httpRequest(req);
    out.set("status", res.status);
    const body = res.body;
    out.set("body", body !== null ? body : "");
    const echoed = res.headers.has("x-echo") ? res.headers.get("x-echo") : "";
    out.set("x_echo", echoed);
    writeOutput<JSON.Obj>(out);
  } else if (op == "decrypt") {
    const plain = cryptoDecrypt(str(input, "name"));
    out.set("length", plain.length);
    writeOutput<JSON.Obj>(out);
  } else if (op == "sign") {
    out.set("signature", cryptoSignRs256(str(input, "data"), str(input, "credential")));
    writeOutput<JSON.Obj>(out);
  } else if (op == "work") {
    // A realistic compute mix (allocation, calls, loops) for the fuel-overhead benchmark.
    const n = num(input, "n");
    const arr = new Array<f64>();
    for (let i = 0; i < n; i++) arr.push(<f64>i * 1.5);
    const text = JSON.stringify<Array<f64>>(arr);
    const back = JSON.parse<Array<f64>>(text);
    out.set("length", text.length);
    out.set("count", back.length);
    writeOutput<JSON.Obj>(out);
  } else if (op == "spin") {
    let i: i64 = 0;
    while (true) i++;
  } else if (op == "big") {
    const n = num(input, "bytes");
    writeOutputRaw('"' + "x".repeat(n) + '"');
  } else if (op == "trap") {
    unreachable();
  } else if (op == "abort") {
    throw new Error("deliberate abort");
  } else if (op == "hog") {
    const keep: ArrayBuffer[] = [];
    while (true) keep.push(new ArrayBuffer(1 << 20));
  } else if (op == "host_loop") {
    const n = num(input, "n");
    for (let i = 0; i < n; i++) kvGet("kv:missing");
    out.set("done", n);
    writeOutput<JSON.Obj>(out);
  } else if (op == "fail") {
    fail("BAD_THING", "the probe failed on purpose");
  } else if (op == "pending") {
    pending("task-1", "2030-01-01T00:00:00Z");
  } else if (op == "log") {
    log("hello from the probe");
    writeOutputRaw("{}");
  } else if (op == "not_json") {
    writeOutputRaw("this is not json");
  } else {
    fail("UNKNOWN_OP", "unknown op " + op);
  }
}

main();
