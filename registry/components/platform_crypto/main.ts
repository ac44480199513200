// platform_crypto: hashes, HMAC, encodings, UUID v4 and random bytes, chosen by `op`; the answer is `result`.
import { cryptoDecrypt, fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { isNull, needField, optInt, optString, textOf, typeOf } from "../../sdk/assemblyscript/value";
import { random_get } from "../../sdk/assemblyscript/wasi";
import { digest, hmac } from "./digest";
import { fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from "./encoding";
import { percentDecode, percentEncode } from "./percent";

const OPS = "hash, hmac, encode, decode, uuid, random_bytes";

/** ASCII-only lowercase: enough for algorithm names and hex, and it keeps Unicode case tables out of the binary. */
function asciiLower(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}

function algorithm(input: JSON.Obj): string {
  const alg = asciiLower(optString(input, "algorithm", "sha256")).replace("-", "");
  if (alg != "sha256" && alg != "sha1" && alg != "md5") {
    fail("UNSUPPORTED_ALGORITHM", "field 'algorithm' must be sha256, sha1 or md5, got '" + alg + "'");
  }
  return alg;
}

/** The text of a scalar field (numbers and booleans as their text). */
function scalarText(input: JSON.Obj, key: string): string {
  const v = needField(input, key);
  const t = typeOf(v);
  if (t == "array" || t == "object" || t == "null")
    fail("INVALID_FIELD", "field '" + key + "' must be a string, got " + t);
  return textOf(v);
}

/** Bytes of `text` read in `encoding` (utf8, hex, base64, base64url); fails naming `field`. */
function bytesIn(text: string, encoding: string, field: string): Uint8Array {
  if (encoding == "utf8") return utf8(text);
  let out: Uint8Array | null = null;
  if (encoding == "hex") out = fromHex(text);
  else if (encoding == "base64" || encoding == "base64url") out = fromBase64(text);
  else
    fail("INVALID_FIELD", "encoding of '" + field + "' must be utf8, hex, base64 or base64url, got '" + encoding + "'");
  if (out === null) fail("INVALID_ENCODING", "field '" + field + "' is not valid " + encoding);
  return out!;
}

/** Bytes written in `encoding` (hex, base64, base64url). */
function bytesOut(b: Uint8Array, encoding: string): string {
  if (encoding == "hex") return toHex(b);
  if (encoding == "base64") return toBase64(b, false);
  if (encoding == "base64url") return toBase64(b, true);
  fail("INVALID_FIELD", "field 'encoding' must be hex, base64 or base64url, got '" + encoding + "'");
  return "";
}

/** Compares in time independent of where the first difference is. */
function constantTimeEqual(a: string, b: string): bool {
  if (a.length != b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff == 0;
}

function randomBytes(n: i32): Uint8Array {
  const b = new Uint8Array(n);
  if (n > 0 && random_get(b.dataStart, <usize>n) != 0) fail("RANDOM_UNAVAILABLE", "the host gave no random bytes");
  return b;
}

/** RFC 9562 version 4: 122 random bits, version nibble 4, variant bits 10. */
function uuidV4(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = toHex(b);
  return (
    h.substring(0, 8) +
    "-" +
    h.substring(8, 12) +
    "-" +
    h.substring(12, 16) +
    "-" +
    h.substring(16, 20) +
    "-" +
    h.substring(20)
  );
}

function opHmac(input: JSON.Obj, out: JSON.Obj): void {
  const alg = algorithm(input);
  const credential = optString(input, "key_credential", "");
  let key: Uint8Array;
  // A stored secret is decrypted by the host for this call only; it never appears in the workflow or the output.
  if (credential.length > 0) key = utf8(cryptoDecrypt(credential));
  else key = bytesIn(scalarText(input, "key"), optString(input, "key_encoding", "utf8"), "key");
  const msg = bytesIn(scalarText(input, "value"), optString(input, "input_encoding", "utf8"), "value");
  const result = bytesOut(hmac(alg, key, msg), optString(input, "encoding", "hex"));
  out.set<string>("result", result);
  const expected = input.get("expected");
  if (!isNull(expected)) {
    // Signatures often arrive with a scheme prefix ("sha256=…") and in either hex case.
    let exp = textOf(expected);
    const eq = exp.indexOf("=");
    if (eq >= 0 && eq < 10 && optString(input, "encoding", "hex") == "hex") exp = exp.substring(eq + 1);
    out.set<bool>("valid", constantTimeEqual(asciiLower(exp), asciiLower(result)));
  }
}

function main(): void {
  const input = readInput<JSON.Obj>();
  if (isNull(input.get("op"))) fail("MISSING_FIELD", "field 'op' is required (one of: " + OPS + ")");
  const op = optString(input, "op", "");
  const out = new JSON.Obj();
  if (op == "hash") {
    const msg = bytesIn(scalarText(input, "value"), optString(input, "input_encoding", "utf8"), "value");
    out.set<string>("result", bytesOut(digest(algorithm(input), msg), optString(input, "encoding", "hex")));
  } else if (op == "hmac") {
    opHmac(input, out);
  } else if (op == "encode") {
    const enc = optString(input, "encoding", "base64");
    const s = scalarText(input, "value");
    if (enc == "url") out.set<string>("result", percentEncode(s));
    else out.set<string>("result", bytesOut(utf8(s), enc));
  } else if (op == "decode") {
    const enc = optString(input, "encoding", "base64");
    const s = scalarText(input, "value");
    if (enc == "url") {
      const r = percentDecode(s);
      if (r === null) fail("INVALID_ENCODING", "field 'value' has a malformed %XX escape");
      out.set<string>("result", r!);
    } else if (enc == "utf8") fail("INVALID_FIELD", "field 'encoding' must be hex, base64, base64url or url");
    else out.set<string>("result", fromUtf8(bytesIn(s, enc, "value")));
  } else if (op == "uuid") {
    const count = optInt(input, "count", 0, 0, 1000);
    if (count == 0) out.set<string>("result", uuidV4());
    else {
      const all = new JSON.Arr();
      for (let i = 0; i < count; i++) all.push<string>(uuidV4());
      out.set<JSON.Arr>("result", all);
    }
  } else if (op == "random_bytes") {
    const n = optInt(input, "length", 32, 1, 1024);
    out.set<string>("result", bytesOut(randomBytes(n), optString(input, "encoding", "hex")));
  } else fail("UNKNOWN_OP", "field 'op': unknown operation '" + op + "' (one of: " + OPS + ")");
  writeOutput<JSON.Obj>(out);
}

main();
