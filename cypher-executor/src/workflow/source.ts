/**
 * The YAML side of compilation: the parsed document, positions (line, column, column inside a flow
 * string) and the diagnostics collected so far.
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  visit,
  type YAMLMap,
} from "yaml";
import type { Diagnostic, SourcePos } from "./plan";
import type { SettingProblem } from "./settings";

/** A path in the document: `["config", "notify", "retry"]`, `["flow", 3]`. */
export type Path = Array<string | number>;

/** Where inside a node a problem is: an offset in a string scalar, or a column inside a flow string. */
export interface At {
  index?: number;
  flow?: boolean;
}

/**
 * A parsed workflow file that knows where everything is.
 *
 * @example
 * const src = new WorkflowSource(text);
 * src.report("INVALID_NAME", "…", ["name"], src.nodeAt(["name"]));
 */
export class WorkflowSource {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  readonly data: Record<string, unknown> = {};
  readonly isMapping: boolean;
  private readonly lc = new LineCounter();
  private readonly doc;

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lc, uniqueKeys: true, prettyErrors: false });
    for (const e of this.doc.errors) {
      const { line, col } = this.lc.linePos(e.pos[0]);
      const message = /call stack/i.test(e.message) ? "The YAML is nested too deeply" : e.message.split("\n")[0]!;
      this.errors.push({ code: "YAML_SYNTAX", message, pos: { line, column: col } });
    }
    this.isMapping = isMap(this.doc.contents);
    const deep = this.errors.length === 0 ? collectionBelow(this.doc.contents, MAX_NESTING) : null;
    if (deep) this.report("YAML_SYNTAX", `The YAML is nested deeper than ${MAX_NESTING} levels`, [], deep);
    if (this.errors.length === 0) {
      // Keys must be plain values: a mapping or list as a key would be stringified by toJS.
      visit(this.doc, {
        Pair: (_, pair) => {
          if (pair.key !== null && !isScalar(pair.key)) {
            const node = pair.key as Node;
            this.report("YAML_SYNTAX", "A key must be a plain value, not a mapping or a list", [], node);
          }
        },
      });
    }
    if (this.errors.length === 0 && this.isMapping) {
      try {
        const data = this.doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
        // `x: &x [*x]` makes toJS return a value that contains itself: every later walk would recurse forever.
        if (containsItself(data))
          throw new Error("An anchor refers to itself (`&x [*x]`): YAML aliases must not form a cycle");
        this.data = data;
      } catch (err) {
        // Unresolved or excessive aliases (`*name`): reported like any syntax error.
        this.errors.push({
          code: "YAML_SYNTAX",
          message: (err as Error).message.split("\n")[0]!,
          pos: { line: 1, column: 1 },
        });
      }
    }
  }

  /** The document's root node. */
  get root(): Node | null {
    return this.doc.contents as Node | null;
  }

  posAt(offset: number, flowColumn?: number): SourcePos {
    const { line, col } = this.lc.linePos(offset);
    return flowColumn === undefined ? { line, column: col } : { line, column: col, flowColumn };
  }

  /** The value node at a path, or null. */
  nodeAt(path: Path): Node | null {
    return (this.doc.getIn(path, true) as Node | undefined) ?? null;
  }

  /** The key node of the last path segment (where "unknown key" errors point), else the value node. */
  keyAt(path: Path): Node | null {
    const parent = path.length > 1 ? this.nodeAt(path.slice(0, -1)) : this.root;
    if (!isMap(parent)) return this.nodeAt(path);
    const last = path[path.length - 1];
    const pair = (parent as YAMLMap).items.find((p) => isScalar(p.key) && (p.key as Scalar).value === last);
    return (pair?.key as Node | undefined) ?? this.nodeAt(path);
  }

  /** Records an error positioned at `node` (plus an offset inside a string, or a flow column). */
  report(code: string, message: string, path: Path, node?: Node | null, at?: At): void {
    this.errors.push(this.diagnostic(code, message, path, node, at));
  }

  /** Records a warning: the workflow still compiles. */
  warn(code: string, message: string, path: Path, node?: Node | null, at?: At): void {
    this.warnings.push(this.diagnostic(code, message, path, node, at));
  }

  private diagnostic(code: string, message: string, path: Path, node?: Node | null, at?: At): Diagnostic {
    const d: Diagnostic = { code, message, path: formatPath(path) };
    if (node?.range) {
      const quoted = isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") ? 1 : 0;
      if (at?.flow) d.pos = this.posAt(node.range[0], (at.index ?? 0) + 1);
      else d.pos = this.posAt(node.range[0] + (at?.index !== undefined ? quoted + at.index : 0));
    }
    return d;
  }

  /** Records the problems of a `trigger`/`retry`/`limits` section found under `base`. */
  reportSettings(base: Path, problems: SettingProblem[]): void {
    for (const p of problems) {
      const path = [...base, ...p.path];
      const onKey = p.code === "UNKNOWN_KEY" || p.message.startsWith("Unknown");
      this.report(p.code, p.message, path, onKey ? this.keyAt(path) : this.nodeAt(path));
    }
  }

  /** Diagnostics in source order (line, column, column in the flow string); unpositioned first. */
  sorted(list: Diagnostic[]): Diagnostic[] {
    const key = (d: Diagnostic) => [d.pos?.line ?? 0, d.pos?.column ?? 0, d.pos?.flowColumn ?? 0];
    return list
      .map((d, i) => ({ d, i, k: key(d) }))
      .sort((a, b) => a.k[0]! - b.k[0]! || a.k[1]! - b.k[1]! || a.k[2]! - b.k[2]! || a.i - b.i)
      .map((x) => x.d);
  }
}

/** `["config", "notify", "retry", "delay"]` → `config.notify.retry.delay`; indexes as `[3]`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** True when a value reached from `value` is one of its own ancestors (an alias cycle). */
/**
 * Deepest nesting of mappings and lists a workflow file may have. Every later step (`visit`, `toJS`, the checks)
 * walks the document recursively: a document the parser accepted could still overflow the stack there, and
 * whether it did depended on how much stack was free (a fuzzed `[[[…]]]` 2,000 levels deep answered 500 once).
 */
const MAX_NESTING = 64;

/** The first mapping or list nested deeper than `limit` (walked with a stack of its own, no recursion), or null. */
function collectionBelow(root: unknown, limit: number): Node | null {
  const todo: [unknown, number][] = [[root, 0]];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [node, depth] = next;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > limit) return node as Node;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) todo.push([item.value, depth + 1], [item.key, depth + 1]);
      else todo.push([item, depth + 1]);
    }
  }
  return null;
}

function containsItself(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (value === null || typeof value !== "object") return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  for (const child of children) if (containsItself(child, ancestors)) return true;
  ancestors.delete(value);
  return false;
}
