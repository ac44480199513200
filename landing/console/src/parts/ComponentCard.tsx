/** One component of the catalogue: what it does, what it may reach, its input fields, an example input and step. */
import { useEffect, useState } from "react";
import { Json } from "../ui";
import { exampleFromSchema, SchemaTable } from "./Schema";

export interface Manifest {
  name: string;
  version: string;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown>;
  capabilities: string[];
  allowed_hosts: string[];
}

type Examples = Record<string, { input?: unknown; yaml?: string }>;
let examples: Promise<Examples> | undefined;
/** The built-in components' examples, loaded once, on the first card opened. */
function loadExamples(): Promise<Examples> {
  examples ??= import("virtual:component-examples").then((m) => m.default);
  return examples;
}

export function ComponentCard({ manifest: c }: { manifest: Manifest }) {
  const [open, setOpen] = useState(false);
  const [known, setKnown] = useState<{ input?: unknown; yaml?: string } | null>(null);
  useEffect(() => {
    if (open) loadExamples().then((all) => setKnown(all[c.name] ?? {}));
  }, [open, c.name]);
  const input = known?.input ?? exampleFromSchema(c.input_schema);
  const step =
    known?.yaml ??
    `config:\n  my_step: ${JSON.stringify({ component: c.name, ...(input as Record<string, unknown>) })}`;
  return (
    <details
      className="rounded-lg border border-stone-700 bg-stone-900 p-3"
      data-component={c.name}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary className="cursor-pointer">
        <span className="font-mono font-semibold text-orange-300">{c.name}</span>{" "}
        <span className="text-xs text-stone-400">v{c.version}</span>
        <div className="text-sm text-stone-300">{c.description}</div>
      </summary>
      {open && (
        <div className="mt-2 space-y-2 text-sm">
          <p className="text-stone-300">
            {c.capabilities.length > 0 ? `Capabilities: ${c.capabilities.join(", ")}` : "No host capabilities"}
            {c.allowed_hosts.length > 0 ? ` · hosts: ${c.allowed_hosts.join(", ")}` : ""}
          </p>
          <h3 className="text-xs font-semibold text-stone-300">Input</h3>
          <SchemaTable schema={c.input_schema} label={`${c.name} input fields`} />
          <h3 className="text-xs font-semibold text-stone-300">
            Example input{" "}
            <span className="font-normal text-stone-400">
              {known?.input !== undefined ? "(from its test cases)" : "(built from the schema)"}
            </span>
          </h3>
          <Json value={input} label={`${c.name} example input`} />
          <h3 className="text-xs font-semibold text-stone-300">As a workflow step</h3>
          <section
            aria-label={`${c.name} as a workflow step`}
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (axe)
            tabIndex={0}
            className="max-h-64 overflow-auto rounded border border-stone-700 bg-stone-950 p-2"
          >
            <pre className="text-xs text-stone-200">{step}</pre>
          </section>
        </div>
      )}
    </details>
  );
}
