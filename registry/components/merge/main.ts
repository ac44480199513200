// merge: joins what several upstream nodes produced (the partner of a fan-out): merges objects, concatenates
// or zips lists, or takes the first input that is there. Null inputs (branches that did not run) are skipped.
import { fail, JSON, readInput, writeOutput } from "../../sdk/assemblyscript";
import { isNull, needArray, nullValue, optBool, optString, typeOf } from "../../sdk/assemblyscript/value";

const MODES = "merge, concat, zip, first";

/** Copies `src` into `dst`; with `deep`, objects present on both sides are merged instead of replaced. */
function mergeInto(dst: JSON.Obj, src: JSON.Obj, deep: bool): void {
  const keys = src.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = src.get(k)!;
    const old = dst.get(k);
    if (deep && typeOf(v) == "object" && typeOf(old) == "object") {
      const both = new JSON.Obj();
      mergeInto(both, old!.get<JSON.Obj>(), true);
      mergeInto(both, v.get<JSON.Obj>(), true);
      dst.set<JSON.Obj>(k, both);
    } else dst.set<JSON.Value>(k, v);
  }
}

function main(): void {
  const input = readInput<JSON.Obj>();
  const inputs = needArray(input, "inputs");
  const mode = optString(input, "mode", "merge");
  const out = new JSON.Obj();
  let used = 0;
  if (mode == "merge") {
    const deep = optBool(input, "deep", false);
    const r = new JSON.Obj();
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs.at(i);
      if (isNull(v)) continue;
      if (typeOf(v) != "object")
        fail(
          "INVALID_FIELD",
          "inputs[" +
            i.toString() +
            "] must be an object to merge, got " +
            typeOf(v) +
            " (use mode concat or zip for lists)",
        );
      mergeInto(r, v.get<JSON.Obj>(), deep);
      used++;
    }
    out.set<JSON.Obj>("result", r);
  } else if (mode == "concat") {
    const r = new JSON.Arr();
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs.at(i);
      if (isNull(v)) continue;
      used++;
      if (typeOf(v) == "array") {
        const a = v.get<JSON.Arr>();
        for (let j = 0; j < a.length; j++) r.push<JSON.Value>(a.at(j));
      } else r.push<JSON.Value>(v);
    }
    out.set<JSON.Arr>("result", r);
  } else if (mode == "zip") {
    const keysVal = input.get("keys");
    let keys: JSON.Arr | null = null;
    if (!isNull(keysVal)) {
      if (typeOf(keysVal) != "array") fail("INVALID_FIELD", "field 'keys' must be a list of names, one per input");
      keys = keysVal!.get<JSON.Arr>();
      if (keys.length != inputs.length) {
        fail(
          "INVALID_FIELD",
          "field 'keys' has " + keys.length.toString() + " names for " + inputs.length.toString() + " inputs",
        );
      }
      for (let i = 0; i < keys.length; i++) {
        if (typeOf(keys.at(i)) != "string") fail("INVALID_FIELD", "keys[" + i.toString() + "] must be a string");
      }
    }
    let longest = 0;
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs.at(i);
      if (typeOf(v) != "array")
        fail("INVALID_FIELD", "inputs[" + i.toString() + "] must be a list to zip, got " + typeOf(v));
      longest = max(longest, v.get<JSON.Arr>().length);
      used++;
    }
    const r = new JSON.Arr();
    for (let row = 0; row < longest; row++) {
      const tuple = new JSON.Arr();
      const named = new JSON.Obj();
      for (let i = 0; i < inputs.length; i++) {
        const a = inputs.at(i).get<JSON.Arr>();
        // Shorter lists are padded with null: zipping never drops data silently.
        const v = row < a.length ? a.at(row) : nullValue();
        if (keys !== null) named.set<JSON.Value>(keys.at(i).get<string>(), v);
        else tuple.push<JSON.Value>(v);
      }
      if (keys !== null) r.push<JSON.Obj>(named);
      else r.push<JSON.Arr>(tuple);
    }
    out.set<JSON.Arr>("result", r);
  } else if (mode == "first") {
    let r = nullValue();
    for (let i = 0; i < inputs.length; i++) {
      if (!isNull(inputs.at(i))) {
        r = inputs.at(i);
        used = 1;
        break;
      }
    }
    out.set<JSON.Value>("result", r);
  } else fail("INVALID_FIELD", "field 'mode' must be one of " + MODES + ", got '" + mode + "'");
  out.set<i32>("count", used);
  writeOutput<JSON.Obj>(out);
}

main();
