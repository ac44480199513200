// The `u6u` host imports (docs/component-abi.md). Every call sends a UTF-8 JSON request and gets back
// the size of a result the host holds; `result_read` copies it out. No fixed buffers anywhere.
// Each import has its own wrapper so a component imports only the host functions it really uses
// (the runtime skips the JSPI bridge for components that import none).

@external("u6u", "http_request")
declare function u6u_http_request(ptr: usize, len: i32): i32;
@external("u6u", "kv_get")
declare function u6u_kv_get(ptr: usize, len: i32): i32;
@external("u6u", "kv_put")
declare function u6u_kv_put(ptr: usize, len: i32): i32;
@external("u6u", "crypto_decrypt")
declare function u6u_crypto_decrypt(ptr: usize, len: i32): i32;
@external("u6u", "crypto_sign_rs256")
declare function u6u_crypto_sign_rs256(ptr: usize, len: i32): i32;
@external("u6u", "result_read")
declare function u6u_result_read(dst: usize, len: i32): i32;

/** The outcome of one host call: when `ok` is false, `body` is the error JSON `{"code","message"}`. */
export class HostResult {
  constructor(
    public ok: bool,
    public body: string,
  ) {}
}

function collect(n: i32): HostResult {
  const ok = n >= 0;
  const size = ok ? n : -n;
  if (size == 0) return new HostResult(ok, "");
  const buf = new ArrayBuffer(size);
  const copied = u6u_result_read(changetype<usize>(buf), size);
  return new HostResult(ok, String.UTF8.decode(copied == size ? buf : buf.slice(0, copied)));
}

/** `u6u.http_request` with a raw JSON request. */
export function httpRequestRaw(requestJson: string): HostResult {
  const req = String.UTF8.encode(requestJson);
  return collect(u6u_http_request(changetype<usize>(req), req.byteLength));
}

/** `u6u.kv_get` with a raw JSON request. */
export function kvGetRaw(requestJson: string): HostResult {
  const req = String.UTF8.encode(requestJson);
  return collect(u6u_kv_get(changetype<usize>(req), req.byteLength));
}

/** `u6u.kv_put` with a raw JSON request. */
export function kvPutRaw(requestJson: string): HostResult {
  const req = String.UTF8.encode(requestJson);
  return collect(u6u_kv_put(changetype<usize>(req), req.byteLength));
}

/** `u6u.crypto_decrypt` with a raw JSON request. */
export function cryptoDecryptRaw(requestJson: string): HostResult {
  const req = String.UTF8.encode(requestJson);
  return collect(u6u_crypto_decrypt(changetype<usize>(req), req.byteLength));
}

/** `u6u.crypto_sign_rs256` with a raw JSON request. */
export function cryptoSignRs256Raw(requestJson: string): HostResult {
  const req = String.UTF8.encode(requestJson);
  return collect(u6u_crypto_sign_rs256(changetype<usize>(req), req.byteLength));
}
