import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ExprError } from "../../src/workflow/expr";
import { compileWorkflow, resolveValue } from "../../src/workflow/index";
import { compileString, TemplateErrors } from "../../src/workflow/template";
import { testCatalog } from "../fixtures/catalog";
import { expression, templated, workflowSource } from "./fuzz-arbitraries";
import { reportFigures } from "./support/summary";

// Property-based fuzzing of the parsers in process (fast-check): 10,000 workflow documents through the
// YAML parser, validator and compiler, and 4,000 template/expression texts through compile and resolve.
// Every bad input must come back as a typed, located diagnostic: never a thrown error (the route's 500),
// never unbounded time, never a prototype polluted by an expression.

const SEED = Number(process.env.FUZZ_SEED ?? 1212);
const DOCS = Number(process.env.FUZZ_DOCS ?? 10_000);
const TEMPLATES = Number(process.env.FUZZ_TEMPLATES ?? 4_000);
/** Bound per input: generous for a loaded 2-core CI box; a hang or an exponential parse is far above it. */
const MAX_MS = 1_000;

const summary = { documents: 0, valid: 0, refused: 0, unlocated: 0, thrown: 0, slowestMs: 0, templates: 0 };
afterAll(() => {
  console.log(`fuzz (in process, seed ${SEED}): ${JSON.stringify(summary)}`);
  reportFigures("fuzz: YAML, Cypher flow and template parsers", {
    tried: summary.documents + summary.templates,
    refused: summary.refused,
    breaches: summary.thrown + summary.unlocated,
    note: `${summary.documents} documents, ${summary.templates} templates, slowest ${summary.slowestMs} ms, seed ${SEED}`,
  });
});

describe("fuzz: workflow documents (parser, validator, compiler)", () => {
  it(`${DOCS} documents: a plan or located diagnostics, never a throw, each under ${MAX_MS} ms`, () => {
    fc.assert(
      fc.property(workflowSource, (source) => {
        summary.documents++;
        const started = performance.now();
        let r: ReturnType<typeof compileWorkflow>;
        try {
          r = compileWorkflow(source, testCatalog);
        } catch (err) {
          summary.thrown++;
          throw new Error(`compileWorkflow threw ${String(err)} for ${JSON.stringify(source.slice(0, 300))}`);
        }
        const ms = performance.now() - started;
        summary.slowestMs = Math.max(summary.slowestMs, Math.round(ms));
        expect(ms, JSON.stringify(source.slice(0, 200))).toBeLessThan(MAX_MS);
        if (r.ok) {
          summary.valid++;
          return;
        }
        summary.refused++;
        expect(r.errors.length).toBeGreaterThan(0);
        for (const e of r.errors) {
          expect(e.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
          expect(typeof e.message).toBe("string");
          expect(e.message).not.toMatch(/\n\s+at /);
          // Located: a position in the text or a path in the document.
          if (e.pos === undefined && e.path === undefined) {
            summary.unlocated++;
            throw new Error(`unlocated ${e.code}: ${e.message}`);
          }
        }
      }),
      { numRuns: DOCS, seed: SEED },
    );
  }, 600_000);
});

describe("fuzz: templates and expressions", () => {
  it(`${TEMPLATES} texts: compile to a value or typed problems; resolving never throws nor pollutes`, () => {
    const scope = { input: { x: 1, list: [{ name: "a" }], ok: true, n: 3 }, trigger: { headers: {} }, node: {} };
    fc.assert(
      fc.property(
        fc.oneof(
          templated,
          expression.map((e) => `{{ ${e} }}`),
        ),
        (text) => {
          summary.templates++;
          let compiled: ReturnType<typeof compileString>;
          try {
            compiled = compileString(text);
          } catch (err) {
            if (err instanceof TemplateErrors) {
              for (const p of err.problems) {
                expect(p.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
                expect(typeof p.index === "number" || p.index === undefined).toBe(true);
              }
              return;
            }
            if (err instanceof ExprError) return;
            throw new Error(`compileString threw ${String(err)} for ${JSON.stringify(text)}`);
          }
          const started = performance.now();
          resolveValue(compiled, scope);
          expect(performance.now() - started).toBeLessThan(MAX_MS);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect(Object.prototype).not.toHaveProperty("polluted");
        },
      ),
      { numRuns: TEMPLATES, seed: SEED },
    );
  }, 300_000);
});
