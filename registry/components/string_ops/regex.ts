// A small regular-expression engine: AssemblyScript has none, and a component must never hang on a hostile pattern.
// The pattern compiles to a program for a backtracking VM with an explicit stack and a step budget;
// loops whose body matched nothing stop (so `(a*)*` cannot spin), and a pattern that needs more than
// MAX_STEPS steps fails with REGEX_TOO_COMPLEX instead of running away. The subset is documented in README.md.

const OP_CHAR = 0;
const OP_ANY = 1;
const OP_CLASS = 2;
const OP_SPLIT = 3;
const OP_JMP = 4;
const OP_SAVE = 5;
const OP_MATCH = 6;
const OP_BOL = 7;
const OP_EOL = 8;
const OP_MARK = 9;
const OP_CHECK = 10;
const OP_WORDB = 11;
const OP_NWORDB = 12;

const N_CHAR = 0;
const N_ANY = 1;
const N_CLASS = 2;
const N_BOL = 3;
const N_EOL = 4;
const N_GROUP = 5;
const N_CONCAT = 6;
const N_ALT = 7;
const N_REPEAT = 8;
const N_WORDB = 9;
const N_NWORDB = 10;

/** Budget of VM steps for one call (all start positions together). */
export const MAX_STEPS = 1_000_000;
const MAX_PROGRAM = 20_000;
const MAX_REPEAT = 1000;

class Node {
  kind: i32 = 0;
  value: i32 = 0; // char code, class index or capture index (-1 = non-capturing)
  min: i32 = 0;
  max: i32 = 0; // -1 = unbounded
  greedy: bool = true;
  kids: Node[] = [];
  constructor(kind: i32, value: i32 = 0) {
    this.kind = kind;
    this.value = value;
  }
}

class CharClass {
  negate: bool = false;
  /** Inclusive ranges, flattened [lo, hi, lo, hi, …]. */
  ranges: i32[] = [];
}

/** A compiled pattern. Build it with `compileRegex`; check `error` first. */
export class Regex {
  prog: i32[] = [];
  classes: CharClass[] = [];
  groups: i32 = 0;
  marks: i32 = 0;
  ignoreCase: bool = false;
  dotAll: bool = false;
  multiline: bool = false;
  /** Empty when the pattern compiled. */
  error: string = "";
  errorAt: i32 = -1;
  /** Set by `exec` when the step budget ran out. */
  tooComplex: bool = false;
}

/** One match: `caps[0..1]` is the whole match, `caps[2k..2k+1]` group k (-1 when unset). */
export class RegexMatch {
  caps: i32[] = [];
}

class Parser {
  src: string;
  pos: i32 = 0;
  re: Regex;
  constructor(src: string, re: Regex) {
    this.src = src;
    this.re = re;
  }
  fail(msg: string): Node | null {
    if (this.re.error.length == 0) {
      this.re.error = msg;
      this.re.errorAt = this.pos;
    }
    return null;
  }
  more(): bool {
    return this.pos < this.src.length;
  }
  peek(): i32 {
    return this.src.charCodeAt(this.pos);
  }

  parseAlt(): Node | null {
    const first = this.parseConcat();
    if (first == null) return null;
    if (!this.more() || this.peek() != 124) return first; // '|'
    const alt = new Node(N_ALT);
    alt.kids.push(first);
    while (this.more() && this.peek() == 124) {
      this.pos++;
      const next = this.parseConcat();
      if (next == null) return null;
      alt.kids.push(next);
    }
    return alt;
  }

  parseConcat(): Node | null {
    const cat = new Node(N_CONCAT);
    while (this.more()) {
      const c = this.peek();
      if (c == 124 || c == 41) break; // '|' or ')'
      const atom = this.parseAtom();
      if (atom == null) return null;
      const rep = this.parseQuantifier(atom);
      if (rep == null) return null;
      cat.kids.push(rep);
    }
    return cat;
  }

  parseQuantifier(atom: Node): Node | null {
    if (!this.more()) return atom;
    const c = this.peek();
    let min = -1;
    let max = -1;
    if (c == 42) {
      min = 0;
      max = -1;
      this.pos++;
    } // '*'
    else if (c == 43) {
      min = 1;
      max = -1;
      this.pos++;
    } // '+'
    else if (c == 63) {
      min = 0;
      max = 1;
      this.pos++;
    } // '?'
    else if (c == 123) {
      // '{'
      const save = this.pos;
      this.pos++;
      const lo = this.parseInt();
      if (lo < 0) {
        this.pos = save;
        return atom;
      }
      let hi = lo;
      if (this.more() && this.peek() == 44) {
        // ','
        this.pos++;
        hi = this.more() && this.peek() == 125 ? -1 : this.parseInt();
      }
      if (!this.more() || this.peek() != 125) return this.fail("unclosed '{' repeat");
      this.pos++;
      if (lo > MAX_REPEAT || hi > MAX_REPEAT) return this.fail("repeat count above " + MAX_REPEAT.toString());
      if (hi != -1 && hi < lo) return this.fail("repeat range out of order");
      min = lo;
      max = hi;
    } else return atom;
    if (atom.kind == N_BOL || atom.kind == N_EOL || atom.kind == N_WORDB || atom.kind == N_NWORDB) {
      return this.fail("nothing to repeat");
    }
    const rep = new Node(N_REPEAT);
    rep.min = min;
    rep.max = max;
    rep.kids.push(atom);
    if (this.more() && this.peek() == 63) {
      rep.greedy = false;
      this.pos++;
    }
    if (this.more()) {
      const n = this.peek();
      if (n == 42 || n == 43 || n == 63 || n == 123) return this.fail("nested quantifier");
    }
    return rep;
  }

  /** Digits → value (clamped); -1 when there are none, so a `{` without digits stays a literal. */
  parseInt(): i32 {
    let n = 0;
    let any = false;
    while (this.more()) {
      const c = this.peek();
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      if (n > 100000) n = 100000;
      any = true;
      this.pos++;
    }
    return any ? n : -1;
  }

  parseAtom(): Node | null {
    const c = this.peek();
    if (c == 40) {
      // '('
      this.pos++;
      let cap = -1;
      if (this.src.startsWith("?:", this.pos)) this.pos += 2;
      else if (this.more() && this.peek() == 63) return this.fail("lookaround and named groups are not supported");
      else cap = ++this.re.groups;
      const inner = this.parseAlt();
      if (inner == null) return null;
      if (!this.more() || this.peek() != 41) return this.fail("missing ')'");
      this.pos++;
      const g = new Node(N_GROUP, cap);
      g.kids.push(inner);
      return g;
    }
    if (c == 41) return this.fail("unmatched ')'");
    if (c == 91) return this.parseClass(); // '['
    if (c == 42 || c == 43 || c == 63) return this.fail("nothing to repeat");
    this.pos++;
    if (c == 46) return new Node(N_ANY); // '.'
    if (c == 94) return new Node(N_BOL); // '^'
    if (c == 36) return new Node(N_EOL); // '$'
    if (c == 92) return this.parseEscape(); // '\'
    return new Node(N_CHAR, c);
  }

  parseEscape(): Node | null {
    if (!this.more()) return this.fail("pattern ends with '\\'");
    const e = this.peek();
    this.pos++;
    if (e == 98) return new Node(N_WORDB); // \b
    if (e == 66) return new Node(N_NWORDB); // \B
    const cls = this.shorthandClass(e);
    if (cls >= 0) return new Node(N_CLASS, cls);
    const lit = this.escapeLiteral(e);
    if (lit < 0) return null;
    return new Node(N_CHAR, lit);
  }

  /** \d \w \s and their negations as a class index, or -1. */
  shorthandClass(e: i32): i32 {
    const cc = new CharClass();
    const lower = e | 32;
    if (lower == 100) addDigit(cc.ranges);
    else if (lower == 119) addWord(cc.ranges);
    else if (lower == 115) addSpace(cc.ranges);
    else return -1;
    cc.negate = e < 97; // uppercase = negated
    this.re.classes.push(cc);
    return this.re.classes.length - 1;
  }

  escapeLiteral(e: i32): i32 {
    if (e == 110) return 10; // \n
    if (e == 116) return 9; // \t
    if (e == 114) return 13; // \r
    if (e == 102) return 12; // \f
    if (e == 118) return 11; // \v
    if (e == 48) return 0; // \0
    if (e == 117 || e == 120) {
      // \uXXXX or \xXX
      const len = e == 117 ? 4 : 2;
      if (this.pos + len > this.src.length) {
        this.fail("bad \\" + String.fromCharCode(e) + " escape");
        return -1;
      }
      let v = 0;
      for (let i = 0; i < len; i++) {
        const h = hexVal(this.src.charCodeAt(this.pos + i));
        if (h < 0) {
          this.fail("bad \\" + String.fromCharCode(e) + " escape");
          return -1;
        }
        v = v * 16 + h;
      }
      this.pos += len;
      return v;
    }
    if (e >= 49 && e <= 57) {
      this.fail("backreferences are not supported");
      return -1;
    }
    if ((e >= 65 && e <= 90) || (e >= 97 && e <= 122)) {
      this.fail("unknown escape \\" + String.fromCharCode(e));
      return -1;
    }
    return e; // escaped punctuation stands for itself
  }

  parseClass(): Node | null {
    this.pos++; // '['
    const cc = new CharClass();
    if (this.more() && this.peek() == 94) {
      cc.negate = true;
      this.pos++;
    }
    let first = true;
    while (true) {
      if (!this.more()) return this.fail("missing ']'");
      let c = this.peek();
      if (c == 93 && !first) {
        this.pos++;
        break;
      }
      first = false;
      this.pos++;
      if (c == 92) {
        if (!this.more()) return this.fail("missing ']'");
        const e = this.peek();
        const lower = e | 32;
        if (lower == 100 || lower == 119 || lower == 115) {
          if (e < 97) return this.fail("negated shorthand inside [] is not supported");
          this.pos++;
          if (lower == 100) addDigit(cc.ranges);
          else if (lower == 119) addWord(cc.ranges);
          else addSpace(cc.ranges);
          continue;
        }
        this.pos++;
        c = e == 98 ? 8 : this.escapeLiteral(e);
        if (c < 0) return null;
      }
      let hi = c;
      if (this.pos + 1 < this.src.length && this.peek() == 45 && this.src.charCodeAt(this.pos + 1) != 93) {
        this.pos++; // '-'
        hi = this.peek();
        this.pos++;
        if (hi == 92) {
          if (!this.more()) return this.fail("missing ']'");
          const e = this.peek();
          this.pos++;
          hi = this.escapeLiteral(e);
          if (hi < 0) return null;
        }
        if (hi < c) return this.fail("class range out of order");
      }
      cc.ranges.push(c);
      cc.ranges.push(hi);
    }
    this.re.classes.push(cc);
    return new Node(N_CLASS, this.re.classes.length - 1);
  }
}

function hexVal(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function addDigit(r: i32[]): void {
  r.push(48);
  r.push(57);
}

function addWord(r: i32[]): void {
  r.push(48);
  r.push(57);
  r.push(65);
  r.push(90);
  r.push(97);
  r.push(122);
  r.push(95);
  r.push(95);
}

function addSpace(r: i32[]): void {
  r.push(9);
  r.push(13);
  r.push(32);
  r.push(32);
  r.push(0xa0);
  r.push(0xa0);
  r.push(0x2028);
  r.push(0x2029);
  r.push(0xfeff);
  r.push(0xfeff);
}

function isWordChar(c: i32): bool {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
}

function foldAscii(c: i32): i32 {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function classHas(cc: CharClass, c: i32, ignoreCase: bool): bool {
  let hit = inRanges(cc.ranges, c);
  if (!hit && ignoreCase) {
    if (c >= 65 && c <= 90) hit = inRanges(cc.ranges, c + 32);
    else if (c >= 97 && c <= 122) hit = inRanges(cc.ranges, c - 32);
  }
  return hit != cc.negate;
}

function inRanges(r: i32[], c: i32): bool {
  for (let i = 0; i < r.length; i += 2) if (c >= r[i] && c <= r[i + 1]) return true;
  return false;
}

class Compiler {
  re: Regex;
  constructor(re: Regex) {
    this.re = re;
  }
  emit(op: i32, a: i32 = 0, b: i32 = 0): i32 {
    const at = this.re.prog.length / 3;
    this.re.prog.push(op);
    this.re.prog.push(a);
    this.re.prog.push(b);
    return at;
  }
  here(): i32 {
    return this.re.prog.length / 3;
  }
  patchA(at: i32, v: i32): void {
    this.re.prog[at * 3 + 1] = v;
  }
  patchB(at: i32, v: i32): void {
    this.re.prog[at * 3 + 2] = v;
  }
  gen(n: Node): bool {
    if (this.re.prog.length / 3 > MAX_PROGRAM) {
      this.re.error = "pattern too large once repeats are expanded";
      this.re.errorAt = 0;
      return false;
    }
    switch (n.kind) {
      case N_CHAR:
        this.emit(OP_CHAR, this.re.ignoreCase ? foldAscii(n.value) : n.value);
        return true;
      case N_ANY:
        this.emit(OP_ANY);
        return true;
      case N_CLASS:
        this.emit(OP_CLASS, n.value);
        return true;
      case N_BOL:
        this.emit(OP_BOL);
        return true;
      case N_EOL:
        this.emit(OP_EOL);
        return true;
      case N_WORDB:
        this.emit(OP_WORDB);
        return true;
      case N_NWORDB:
        this.emit(OP_NWORDB);
        return true;
      case N_GROUP: {
        if (n.value >= 0) this.emit(OP_SAVE, n.value * 2);
        if (!this.gen(n.kids[0])) return false;
        if (n.value >= 0) this.emit(OP_SAVE, n.value * 2 + 1);
        return true;
      }
      case N_CONCAT: {
        for (let i = 0; i < n.kids.length; i++) if (!this.gen(n.kids[i])) return false;
        return true;
      }
      case N_ALT: {
        const jumps: i32[] = [];
        for (let i = 0; i < n.kids.length; i++) {
          if (i < n.kids.length - 1) {
            const sp = this.emit(OP_SPLIT);
            this.patchA(sp, this.here());
            if (!this.gen(n.kids[i])) return false;
            jumps.push(this.emit(OP_JMP));
            this.patchB(sp, this.here());
          } else if (!this.gen(n.kids[i])) return false;
        }
        for (let i = 0; i < jumps.length; i++) this.patchA(jumps[i], this.here());
        return true;
      }
      case N_REPEAT:
        return this.genRepeat(n);
    }
    return true;
  }

  /** Sets SPLIT targets so the greedy choice is tried first. */
  setSplit(sp: i32, body: i32, exit: i32, greedy: bool): void {
    this.patchA(sp, greedy ? body : exit);
    this.patchB(sp, greedy ? exit : body);
  }

  genRepeat(n: Node): bool {
    const kid = n.kids[0];
    for (let i = 0; i < n.min; i++) if (!this.gen(kid)) return false;
    if (n.max == -1) {
      const mark = this.re.marks++;
      const loop = this.emit(OP_SPLIT);
      const body = this.here();
      this.emit(OP_MARK, mark);
      if (!this.gen(kid)) return false;
      this.emit(OP_CHECK, mark); // an empty iteration ends the loop
      this.emit(OP_JMP, loop);
      this.setSplit(loop, body, this.here(), n.greedy);
      return true;
    }
    const splits: i32[] = [];
    for (let i = n.min; i < n.max; i++) {
      const sp = this.emit(OP_SPLIT);
      splits.push(sp);
      this.patchA(sp, this.here());
      if (!this.gen(kid)) return false;
    }
    const exit = this.here();
    for (let i = 0; i < splits.length; i++) this.setSplit(splits[i], splits[i] + 1, exit, n.greedy);
    return true;
  }
}

/**
 * Compiles `pattern` with `flags` (`i` ignore ASCII case, `g` global, `m` multiline ^/$, `s` dot matches newline).
 * @example const re = compileRegex("(\\d+)-(\\d+)", ""); if (re.error.length == 0) exec(re, "10-20", 0)
 */
export function compileRegex(pattern: string, flags: string): Regex {
  const re = new Regex();
  for (let i = 0; i < flags.length; i++) {
    const f = flags.charCodeAt(i);
    if (f == 105) re.ignoreCase = true;
    else if (f == 115) re.dotAll = true;
    else if (f == 109) re.multiline = true;
    else if (f != 103) {
      re.error = "unknown flag '" + String.fromCharCode(f) + "' (supported: g, i, m, s)";
      return re;
    }
  }
  const p = new Parser(pattern, re);
  const root = p.parseAlt();
  if (root == null) return re;
  if (p.more()) {
    p.fail("unmatched ')'");
    return re;
  }
  const c = new Compiler(re);
  c.emit(OP_SAVE, 0);
  if (!c.gen(root)) return re;
  c.emit(OP_SAVE, 1);
  c.emit(OP_MATCH);
  return re;
}

/** Steps already spent by `exec` calls sharing one budget (reset with `resetBudget`). */
let stepsUsed = 0;

/** Starts a fresh step budget for a new operation. */
export function resetBudget(): void {
  stepsUsed = 0;
}

/**
 * First match at or after `from`, or null. Sets `re.tooComplex` when the step budget runs out.
 * @example exec(compileRegex("b+", ""), "abbc", 0)!.caps // [1, 3]
 */
export function exec(re: Regex, s: string, from: i32): RegexMatch | null {
  for (let start = from; start <= s.length; start++) {
    const m = runAt(re, s, start);
    if (m != null) return m;
    if (re.tooComplex) return null;
  }
  return null;
}

function runAt(re: Regex, s: string, start: i32): RegexMatch | null {
  const prog = re.prog;
  const caps = new Array<i32>((re.groups + 1) * 2).fill(-1);
  const marks = new Array<i32>(re.marks).fill(-1);
  // Backtrack stack of triples: (0, pc, sp) a choice point; (1, slot, old) undo a capture; (2, slot, old) undo a mark.
  const stack: i32[] = [];
  let pc = 0;
  let sp = start;
  const n = s.length;
  while (true) {
    if (++stepsUsed > MAX_STEPS) {
      re.tooComplex = true;
      return null;
    }
    let ok = true;
    const op = prog[pc * 3];
    const a = prog[pc * 3 + 1];
    switch (op) {
      case OP_CHAR: {
        if (sp < n) {
          const ch = s.charCodeAt(sp);
          if ((re.ignoreCase ? foldAscii(ch) : ch) == a) {
            sp++;
            pc++;
            break;
          }
        }
        ok = false;
        break;
      }
      case OP_ANY: {
        if (sp < n && (re.dotAll || (s.charCodeAt(sp) != 10 && s.charCodeAt(sp) != 13))) {
          sp++;
          pc++;
        } else ok = false;
        break;
      }
      case OP_CLASS: {
        if (sp < n && classHas(re.classes[a], s.charCodeAt(sp), re.ignoreCase)) {
          sp++;
          pc++;
        } else ok = false;
        break;
      }
      case OP_SPLIT: {
        stack.push(0);
        stack.push(prog[pc * 3 + 2]);
        stack.push(sp);
        pc = a;
        break;
      }
      case OP_JMP:
        pc = a;
        break;
      case OP_SAVE: {
        stack.push(1);
        stack.push(a);
        stack.push(caps[a]);
        caps[a] = sp;
        pc++;
        break;
      }
      case OP_MARK: {
        stack.push(2);
        stack.push(a);
        stack.push(marks[a]);
        marks[a] = sp;
        pc++;
        break;
      }
      case OP_CHECK: {
        if (marks[a] == sp) ok = false;
        else pc++;
        break;
      }
      case OP_BOL: {
        if (sp == 0 || (re.multiline && s.charCodeAt(sp - 1) == 10)) pc++;
        else ok = false;
        break;
      }
      case OP_EOL: {
        if (sp == n || (re.multiline && s.charCodeAt(sp) == 10)) pc++;
        else ok = false;
        break;
      }
      case OP_WORDB:
      case OP_NWORDB: {
        const before = sp > 0 && isWordChar(s.charCodeAt(sp - 1));
        const after = sp < n && isWordChar(s.charCodeAt(sp));
        if ((before != after) == (op == OP_WORDB)) pc++;
        else ok = false;
        break;
      }
      case OP_MATCH: {
        const m = new RegexMatch();
        m.caps = caps;
        return m;
      }
    }
    if (ok) continue;
    // Backtrack: undo captures/marks until a choice point.
    let resumed = false;
    while (stack.length > 0) {
      const v = stack.pop();
      const slot = stack.pop();
      const kind = stack.pop();
      if (kind == 0) {
        pc = slot;
        sp = v;
        resumed = true;
        break;
      }
      if (kind == 1) caps[slot] = v;
      else marks[slot] = v;
    }
    if (!resumed) return null;
  }
  // biome-ignore lint/correctness/noUnreachable: AssemblyScript's flow analysis wants a final return
  return null;
}
