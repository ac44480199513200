// A JSON syntax check (RFC 8259) that builds nothing: the response body is copied into the output
// verbatim when it is valid JSON, so a malformed "application/json" body can never break the output.

let src: string = "";
let pos: i32 = 0;
/** Deeply nested input is refused rather than recursing without bound. */
const MAX_DEPTH: i32 = 256;

function ws(): void {
  while (pos < src.length) {
    const c = src.charCodeAt(pos);
    if (c == 32 || c == 9 || c == 10 || c == 13) pos++;
    else break;
  }
}

function digits(): bool {
  const start = pos;
  while (pos < src.length && src.charCodeAt(pos) >= 48 && src.charCodeAt(pos) <= 57) pos++;
  return pos > start;
}

function number(): bool {
  if (src.charCodeAt(pos) == 45) pos++;
  if (pos < src.length && src.charCodeAt(pos) == 48) pos++;
  else if (!digits()) return false;
  if (pos < src.length && src.charCodeAt(pos) == 46) {
    pos++;
    if (!digits()) return false;
  }
  if (pos < src.length && (src.charCodeAt(pos) == 101 || src.charCodeAt(pos) == 69)) {
    pos++;
    if (pos < src.length && (src.charCodeAt(pos) == 43 || src.charCodeAt(pos) == 45)) pos++;
    if (!digits()) return false;
  }
  return true;
}

function str(): bool {
  pos++; // opening quote
  while (pos < src.length) {
    const c = src.charCodeAt(pos);
    if (c == 34) {
      pos++;
      return true;
    }
    if (c < 32) return false;
    if (c == 92) {
      pos++;
      if (pos >= src.length) return false;
      const e = src.charCodeAt(pos);
      if (e == 117) {
        for (let k = 0; k < 4; k++) {
          pos++;
          if (pos >= src.length) return false;
          const h = src.charCodeAt(pos) | 32;
          if (!((h >= 48 && h <= 57) || (h >= 97 && h <= 102))) return false;
        }
      } else if (!(e == 34 || e == 92 || e == 47 || e == 98 || e == 102 || e == 110 || e == 114 || e == 116)) {
        return false;
      }
    }
    pos++;
  }
  return false;
}

function literal(word: string): bool {
  if (src.substr(pos, word.length) != word) return false;
  pos += word.length;
  return true;
}

function value(depth: i32): bool {
  if (depth > MAX_DEPTH) return false;
  ws();
  if (pos >= src.length) return false;
  const c = src.charCodeAt(pos);
  if (c == 123 || c == 91) {
    const close = c == 123 ? 125 : 93;
    pos++;
    ws();
    if (pos < src.length && src.charCodeAt(pos) == close) {
      pos++;
      return true;
    }
    while (true) {
      if (c == 123) {
        ws();
        if (pos >= src.length || src.charCodeAt(pos) != 34 || !str()) return false;
        ws();
        if (pos >= src.length || src.charCodeAt(pos) != 58) return false;
        pos++;
      }
      if (!value(depth + 1)) return false;
      ws();
      if (pos >= src.length) return false;
      const d = src.charCodeAt(pos);
      pos++;
      if (d == close) return true;
      if (d != 44) return false;
    }
  }
  if (c == 34) return str();
  if (c == 116) return literal("true");
  if (c == 102) return literal("false");
  if (c == 110) return literal("null");
  return number();
}

/** @example isJson('{"a":[1,2]}') // true */
export function isJson(text: string): bool {
  src = text;
  pos = 0;
  const ok = value(0);
  ws();
  return ok && pos == src.length;
}
