// A JSON Schema (draft 2020-12 subset) checker over json-as values. Collects every error with its
// JSON Pointer path instead of stopping at the first, so a user sees all that is wrong at once.
import { JSON } from "../../sdk/assemblyscript";
import {
  deepEqual,
  isArray,
  isNull,
  isNumber,
  isObject,
  isString,
  stringify,
  toF64,
  typeOf,
} from "../../sdk/assemblyscript/value";
import { compileRegex, exec, resetBudget } from "../string_ops/regex";

export class Issue {
  constructor(
    public path: string,
    public keyword: string,
    public message: string,
  ) {}
}

/** Too deep a schema or document is reported, not recursed into without bound. */
const MAX_DEPTH = 64;
/** Past this many issues the rest are summarized: an error list is for people. */
const MAX_ISSUES = 100;

function escapePointer(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

function codePoints(s: string): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

function isInteger(v: JSON.Value | null): bool {
  if (!isNumber(v)) return false;
  const x = toF64(v);
  return isFinite(x) && x == Math.trunc(x);
}

function matchesType(v: JSON.Value | null, t: string): bool {
  if (t == "integer") return isInteger(v);
  return typeOf(v) == t;
}

export class Checker {
  issues: Issue[] = [];
  root: JSON.Obj;

  constructor(root: JSON.Obj) {
    this.root = root;
  }

  private add(path: string, keyword: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push(new Issue(path == "" ? "/" : path, keyword, message));
  }

  /** Resolves a local `$ref` (`#`, `#/$defs/x`, `#/definitions/x`, any JSON Pointer into the root). */
  private resolve(ref: string): JSON.Value | null {
    if (ref == "#") return JSON.Value.from<JSON.Obj>(this.root);
    if (!ref.startsWith("#/")) return null;
    const parts = ref.substring(2).split("/");
    let cur: JSON.Value | null = JSON.Value.from<JSON.Obj>(this.root);
    for (let i = 0; i < parts.length; i++) {
      if (!isObject(cur)) return null;
      const key = parts[i].replaceAll("~1", "/").replaceAll("~0", "~");
      cur = cur!.get<JSON.Obj>().get(key);
    }
    return cur;
  }

  /** True when `v` satisfies `schema`; records issues under `path` unless `quiet`. */
  check(v: JSON.Value | null, schemaV: JSON.Value | null, path: string, depth: i32): bool {
    if (depth > MAX_DEPTH) {
      this.add(path, "depth", "the schema or the data is nested too deeply");
      return false;
    }
    if (schemaV === null) return true;
    if (schemaV.type == JSON.Types.Bool) {
      if (!schemaV.get<bool>()) this.add(path, "false", "no value is allowed here");
      return schemaV.get<bool>();
    }
    if (!isObject(schemaV)) return true;
    const s = schemaV.get<JSON.Obj>();
    const before = this.issues.length;
    let ok = true;

    const ref = s.get("$ref");
    if (isString(ref)) {
      const target = this.resolve(ref!.get<string>());
      if (target === null) {
        this.add(path, "$ref", "cannot resolve " + ref!.get<string>() + " (only local #/… references)");
        ok = false;
      } else if (!this.check(v, target, path, depth + 1)) ok = false;
    }

    const type = s.get("type");
    if (type !== null) {
      let match = false;
      let names = "";
      if (isString(type)) {
        names = type.get<string>();
        match = matchesType(v, names);
      } else if (isArray(type)) {
        const list = type.get<JSON.Arr>();
        for (let i = 0; i < list.length; i++) {
          const t = list.at(i);
          if (isString(t)) {
            names += (i > 0 ? " or " : "") + t!.get<string>();
            if (matchesType(v, t!.get<string>())) match = true;
          }
        }
      }
      if (!match) {
        this.add(path, "type", "must be " + names + ", got " + typeOf(v));
        return false;
      }
    }

    const en = s.get("enum");
    if (isArray(en)) {
      const list = en!.get<JSON.Arr>();
      let found = false;
      for (let i = 0; i < list.length && !found; i++) if (deepEqual(v, list.at(i))) found = true;
      if (!found) {
        this.add(path, "enum", "must be one of " + stringify(en));
        ok = false;
      }
    }
    const cst = s.get("const");
    if (cst !== null && !deepEqual(v, cst)) {
      this.add(path, "const", "must be " + stringify(cst));
      ok = false;
    }

    if (isNumber(v)) ok = this.numeric(toF64(v), s, path) && ok;
    if (isString(v)) ok = this.text(v!.get<string>(), s, path) && ok;
    if (isArray(v)) ok = this.array(v!.get<JSON.Arr>(), s, path, depth) && ok;
    if (isObject(v)) ok = this.object(v!.get<JSON.Obj>(), s, path, depth) && ok;

    const all = s.get("allOf");
    if (isArray(all)) {
      const list = all!.get<JSON.Arr>();
      for (let i = 0; i < list.length; i++) if (!this.check(v, list.at(i), path, depth + 1)) ok = false;
    }
    const any = s.get("anyOf");
    if (isArray(any) && this.countMatches(v, any!.get<JSON.Arr>(), path, depth) == 0) {
      this.add(path, "anyOf", "must match at least one of the anyOf schemas");
      ok = false;
    }
    const one = s.get("oneOf");
    if (isArray(one)) {
      const n = this.countMatches(v, one!.get<JSON.Arr>(), path, depth);
      if (n != 1) {
        this.add(path, "oneOf", "must match exactly one of the oneOf schemas, matched " + n.toString());
        ok = false;
      }
    }
    const not = s.get("not");
    if (not !== null) {
      const probe = new Checker(this.root);
      if (probe.check(v, not, path, depth + 1)) {
        this.add(path, "not", "must not match the 'not' schema");
        ok = false;
      }
    }
    return ok && this.issues.length == before;
  }

  private countMatches(v: JSON.Value | null, list: JSON.Arr, path: string, depth: i32): i32 {
    let n = 0;
    for (let i = 0; i < list.length; i++) {
      const probe = new Checker(this.root);
      if (probe.check(v, list.at(i), path, depth + 1)) n++;
    }
    return n;
  }

  private numeric(x: f64, s: JSON.Obj, path: string): bool {
    let ok = true;
    const min = s.get("minimum");
    if (isNumber(min) && x < toF64(min)) {
      this.add(path, "minimum", "must be ≥ " + stringify(min));
      ok = false;
    }
    const max = s.get("maximum");
    if (isNumber(max) && x > toF64(max)) {
      this.add(path, "maximum", "must be ≤ " + stringify(max));
      ok = false;
    }
    const emin = s.get("exclusiveMinimum");
    if (isNumber(emin) && x <= toF64(emin)) {
      this.add(path, "exclusiveMinimum", "must be > " + stringify(emin));
      ok = false;
    }
    const emax = s.get("exclusiveMaximum");
    if (isNumber(emax) && x >= toF64(emax)) {
      this.add(path, "exclusiveMaximum", "must be < " + stringify(emax));
      ok = false;
    }
    const mult = s.get("multipleOf");
    if (isNumber(mult) && toF64(mult) > 0) {
      const q = x / toF64(mult);
      if (Math.abs(q - Math.round(q)) > 1e-9) {
        this.add(path, "multipleOf", "must be a multiple of " + stringify(mult));
        ok = false;
      }
    }
    return ok;
  }

  private text(str: string, s: JSON.Obj, path: string): bool {
    let ok = true;
    const n = codePoints(str);
    const minL = s.get("minLength");
    if (isNumber(minL) && <f64>n < toF64(minL)) {
      this.add(path, "minLength", "must be at least " + stringify(minL) + " characters");
      ok = false;
    }
    const maxL = s.get("maxLength");
    if (isNumber(maxL) && <f64>n > toF64(maxL)) {
      this.add(path, "maxLength", "must be at most " + stringify(maxL) + " characters");
      ok = false;
    }
    const pat = s.get("pattern");
    if (isString(pat)) {
      const re = compileRegex(pat!.get<string>(), "");
      if (re.error.length > 0) {
        this.add(path, "pattern", "the schema's pattern is not supported: " + re.error);
        ok = false;
      } else {
        resetBudget();
        if (exec(re, str, 0) === null) {
          this.add(path, "pattern", "must match the pattern " + pat!.get<string>());
          ok = false;
        }
      }
    }
    return ok;
  }

  private array(a: JSON.Arr, s: JSON.Obj, path: string, depth: i32): bool {
    let ok = true;
    const minI = s.get("minItems");
    if (isNumber(minI) && <f64>a.length < toF64(minI)) {
      this.add(path, "minItems", "must have at least " + stringify(minI) + " items");
      ok = false;
    }
    const maxI = s.get("maxItems");
    if (isNumber(maxI) && <f64>a.length > toF64(maxI)) {
      this.add(path, "maxItems", "must have at most " + stringify(maxI) + " items");
      ok = false;
    }
    const uniq = s.get("uniqueItems");
    if (uniq !== null && uniq.type == JSON.Types.Bool && uniq.get<bool>()) {
      for (let i = 0; i < a.length; i++) {
        for (let j = i + 1; j < a.length; j++) {
          if (deepEqual(a.at(i), a.at(j))) {
            this.add(path + "/" + j.toString(), "uniqueItems", "duplicates item " + i.toString());
            ok = false;
          }
        }
      }
    }
    const items = s.get("items");
    if (items !== null) {
      for (let i = 0; i < a.length; i++)
        if (!this.check(a.at(i), items, path + "/" + i.toString(), depth + 1)) ok = false;
    }
    return ok;
  }

  private object(o: JSON.Obj, s: JSON.Obj, path: string, depth: i32): bool {
    let ok = true;
    const req = s.get("required");
    if (isArray(req)) {
      const list = req!.get<JSON.Arr>();
      for (let i = 0; i < list.length; i++) {
        const k = list.at(i);
        if (isString(k) && !o.has(k!.get<string>())) {
          this.add(path + "/" + escapePointer(k!.get<string>()), "required", "is required");
          ok = false;
        }
      }
    }
    const props = s.get("properties");
    const propsObj = isObject(props) ? props!.get<JSON.Obj>() : null;
    const extra = s.get("additionalProperties");
    const keys = o.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const sub = path + "/" + escapePointer(k);
      if (propsObj !== null && propsObj.has(k)) {
        if (!this.check(o.get(k), propsObj.get(k), sub, depth + 1)) ok = false;
      } else if (extra !== null) {
        if (extra.type == JSON.Types.Bool && !extra.get<bool>()) {
          this.add(sub, "additionalProperties", "is not allowed here");
          ok = false;
        } else if (!this.check(o.get(k), extra, sub, depth + 1)) ok = false;
      }
    }
    const minP = s.get("minProperties");
    if (isNumber(minP) && <f64>keys.length < toF64(minP)) {
      this.add(path, "minProperties", "must have at least " + stringify(minP) + " properties");
      ok = false;
    }
    const maxP = s.get("maxProperties");
    if (isNumber(maxP) && <f64>keys.length > toF64(maxP)) {
      this.add(path, "maxProperties", "must have at most " + stringify(maxP) + " properties");
      ok = false;
    }
    return ok;
  }
}
