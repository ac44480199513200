// string_ops: one string operation per call, chosen by `op`; the answer is `result`.
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { isNull, needField, optBool, optInt, optString, textOf, typeOf } from "../../sdk/assemblyscript/value";
import { compileRegex, exec, Regex, RegexMatch, resetBudget } from "./regex";
import { slugify } from "./slug";

const OPS = "upper, lower, trim, trim_start, trim_end, length, replace, split, join, match, test, slugify, pad";

/** The subject string: `value`, with numbers and booleans taken as their text. */
function subject(input: JSON.Obj): string {
  const v = needField(input, "value");
  const t = typeOf(v);
  if (t == "array" || t == "object" || t == "null") {
    fail("INVALID_FIELD", "field 'value' must be a string, got " + t);
  }
  return textOf(v);
}

function regexOf(input: JSON.Obj): Regex {
  const pattern = optString(input, "pattern", "");
  const flags = optString(input, "flags", "");
  const re = compileRegex(pattern, flags);
  if (re.error.length > 0) {
    const where = re.errorAt >= 0 ? " at position " + re.errorAt.toString() : "";
    fail("INVALID_REGEX", "field 'pattern': " + re.error + where);
  }
  resetBudget();
  return re;
}

function tooComplex(re: Regex): void {
  if (re.tooComplex) {
    fail("REGEX_TOO_COMPLEX", "field 'pattern' needs too many backtracking steps on this input; simplify it");
  }
}

/** Code points, not UTF-16 units, so "é" and "😀" each count 1. */
function codePointLength(s: string): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}

function groupsOf(m: RegexMatch, s: string): JSON.Arr {
  const groups = new JSON.Arr();
  for (let g = 2; g < m.caps.length; g += 2) {
    if (m.caps[g] < 0) groups.push<JSON.Value>(JSON.Value.empty());
    else groups.push<string>(s.substring(m.caps[g], m.caps[g + 1]));
  }
  return groups;
}

/** Next search start after a match, stepping over empty matches. */
function nextFrom(m: RegexMatch): i32 {
  return m.caps[1] == m.caps[0] ? m.caps[1] + 1 : m.caps[1];
}

function opMatch(input: JSON.Obj, s: string, out: JSON.Obj): void {
  const re = regexOf(input);
  const global = optString(input, "flags", "").includes("g");
  if (!global) {
    const m = exec(re, s, 0);
    tooComplex(re);
    out.set<bool>("matched", m !== null);
    if (m === null) {
      out.set<JSON.Value>("result", JSON.Value.empty());
      return;
    }
    out.set<string>("result", s.substring(m.caps[0], m.caps[1]));
    out.set<i32>("index", m.caps[0]);
    out.set<JSON.Arr>("groups", groupsOf(m, s));
    return;
  }
  const all = new JSON.Arr();
  let from = 0;
  while (from <= s.length) {
    const m = exec(re, s, from);
    tooComplex(re);
    if (m === null) break;
    all.push<string>(s.substring(m.caps[0], m.caps[1]));
    from = nextFrom(m);
  }
  out.set<bool>("matched", all.length > 0);
  out.set<JSON.Arr>("result", all);
  out.set<i32>("count", all.length);
}

/** Expands `$&`, `$1`…`$99` and `$$` in a regex replacement. */
function expand(tpl: string, m: RegexMatch, s: string): string {
  let out = "";
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl.charCodeAt(i);
    if (c != 36 || i + 1 >= tpl.length) {
      out += String.fromCharCode(c);
      continue;
    }
    const n = tpl.charCodeAt(i + 1);
    if (n == 36) {
      out += "$";
      i++;
      continue;
    }
    if (n == 38) {
      out += s.substring(m.caps[0], m.caps[1]);
      i++;
      continue;
    }
    if (n >= 48 && n <= 57) {
      let g = n - 48;
      let used = 1;
      if (i + 2 < tpl.length) {
        const n2 = tpl.charCodeAt(i + 2);
        const g2 = g * 10 + (n2 - 48);
        if (n2 >= 48 && n2 <= 57 && g2 * 2 < m.caps.length) {
          g = g2;
          used = 2;
        }
      }
      if (g > 0 && g * 2 < m.caps.length) {
        if (m.caps[g * 2] >= 0) out += s.substring(m.caps[g * 2], m.caps[g * 2 + 1]);
        i += used;
        continue;
      }
    }
    out += "$";
  }
  return out;
}

function opReplace(input: JSON.Obj, s: string): string {
  const replacement = optString(input, "replacement", "");
  if (isNull(input.get("pattern"))) {
    const search = optString(input, "search", "");
    if (search.length == 0) fail("MISSING_FIELD", "replace needs 'search' (plain text) or 'pattern' (regex)");
    return optBool(input, "all", true) ? s.replaceAll(search, replacement) : s.replace(search, replacement);
  }
  const re = regexOf(input);
  const global = optString(input, "flags", "").includes("g");
  let out = "";
  let last = 0;
  let from = 0;
  while (from <= s.length) {
    const m = exec(re, s, from);
    tooComplex(re);
    if (m === null) break;
    out += s.substring(last, m.caps[0]) + expand(replacement, m, s);
    last = m.caps[1];
    if (!global) break;
    from = nextFrom(m);
  }
  return out + s.substring(last);
}

function opSplit(input: JSON.Obj, s: string): JSON.Arr {
  const limit = optInt(input, "limit", -1, -1, 1000000);
  const out = new JSON.Arr();
  if (!isNull(input.get("pattern"))) {
    const re = regexOf(input);
    // JavaScript's split: an empty match right at the last cut is skipped, so "abc" split on "" is a, b, c.
    let last = 0;
    let from = 0;
    while (from < s.length) {
      const m = exec(re, s, from);
      tooComplex(re);
      if (m === null || m.caps[0] >= s.length) break;
      if (m.caps[1] == last) {
        from = m.caps[0] + 1;
        continue;
      }
      out.push<string>(s.substring(last, m.caps[0]));
      if (limit >= 0 && out.length >= limit) return out;
      last = m.caps[1];
      from = last;
    }
    out.push<string>(s.substring(last));
  } else {
    const sep = optString(input, "separator", ",");
    const parts = s.split(sep);
    for (let i = 0; i < parts.length; i++) out.push<string>(parts[i]);
  }
  if (limit >= 0 && out.length > limit) return out.slice(0, limit);
  return out;
}

function opJoin(input: JSON.Obj): string {
  const v = needField(input, "value");
  if (typeOf(v) != "array") fail("INVALID_FIELD", "field 'value' must be an array for join, got " + typeOf(v));
  const arr = v.get<JSON.Arr>();
  const sep = optString(input, "separator", ",");
  let out = "";
  for (let i = 0; i < arr.length; i++) {
    if (i > 0) out += sep;
    const item = arr.at(i);
    if (!isNull(item)) out += textOf(item);
  }
  return out;
}

function opPad(input: JSON.Obj, s: string): string {
  const length = optInt(input, "length", -1, 0, 100000);
  if (length < 0) fail("MISSING_FIELD", "pad needs 'length' (the target length)");
  const fill = optString(input, "fill", " ");
  if (fill.length == 0) fail("INVALID_FIELD", "field 'fill' must not be empty");
  const side = optString(input, "side", "start");
  if (side == "start") return s.padStart(length, fill);
  if (side == "end") return s.padEnd(length, fill);
  if (side == "both") {
    const total = length - s.length;
    if (total <= 0) return s;
    const left = s.length + total / 2;
    return s.padStart(left, fill).padEnd(length, fill);
  }
  fail("INVALID_FIELD", "field 'side' must be start, end or both, got '" + side + "'");
  return s;
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const opValue = input.get("op");
  if (isNull(opValue)) fail("MISSING_FIELD", "field 'op' is required (one of: " + OPS + ")");
  const op = optString(input, "op", "");
  const out = new JSON.Obj();
  if (op == "join") {
    out.set<string>("result", opJoin(input));
    writeOutput<JSON.Obj>(out);
    return;
  }
  if (op == "upper") out.set<string>("result", subject(input).toUpperCase());
  else if (op == "lower") out.set<string>("result", subject(input).toLowerCase());
  else if (op == "trim") out.set<string>("result", subject(input).trim());
  else if (op == "trim_start") out.set<string>("result", subject(input).trimStart());
  else if (op == "trim_end") out.set<string>("result", subject(input).trimEnd());
  else if (op == "length") out.set<i32>("result", codePointLength(subject(input)));
  else if (op == "replace") out.set<string>("result", opReplace(input, subject(input)));
  else if (op == "split") out.set<JSON.Arr>("result", opSplit(input, subject(input)));
  else if (op == "match") opMatch(input, subject(input), out);
  else if (op == "test") {
    const s = subject(input);
    const re = regexOf(input);
    const m = exec(re, s, 0);
    tooComplex(re);
    out.set<bool>("result", m !== null);
  } else if (op == "slugify") out.set<string>("result", slugify(subject(input), optString(input, "separator", "-")));
  else if (op == "pad") out.set<string>("result", opPad(input, subject(input)));
  else fail("UNKNOWN_OP", "field 'op': unknown operation '" + op + "' (one of: " + OPS + ")");
  writeOutput<JSON.Obj>(out);
}

main();
