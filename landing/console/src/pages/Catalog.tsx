import { useState } from "react";
import { ErrorNote, inputClass, Json, Loading, Page } from "../ui";
import { useApi } from "../useApi";

interface Manifest {
  name: string;
  version: string;
  description: string;
  input_schema: Record<string, unknown>;
  output_schema: Record<string, unknown>;
  capabilities: string[];
  allowed_hosts: string[];
  examples?: unknown;
}
interface Recipe {
  id?: string;
  canonical_id?: string;
  name?: string;
  description?: string;
  [k: string]: unknown;
}

/** The components (manifests with input schemas and examples) and the API recipes. */
export function Catalog() {
  const cmps = useApi<{ components: Manifest[] }>("/v1/components");
  const recipes = useApi<{ recipes: Recipe[] }>("/v1/recipes");
  const [q, setQ] = useState("");
  const match = (s: string) => !q || s.toLowerCase().includes(q.toLowerCase());
  return (
    <Page
      title="Components and recipes"
      actions={
        <label>
          <span className="sr-only">Search the catalogue</span>
          <input
            type="search"
            placeholder="Search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            className={inputClass}
          />
        </label>
      }
    >
      <ErrorNote error={cmps.error ?? recipes.error} />
      <h2 className="mb-2 text-lg font-semibold">Components</h2>
      {!cmps.data && <Loading what="components" />}
      <div className="grid gap-3 md:grid-cols-2">
        {cmps.data?.components
          .filter((c) => match(`${c.name} ${c.description}`))
          .map((c) => (
            <details key={c.name} className="rounded-lg border border-stone-700 bg-stone-900 p-3">
              <summary className="cursor-pointer">
                <span className="font-mono font-semibold text-orange-300">{c.name}</span>{" "}
                <span className="text-xs text-stone-400">v{c.version}</span>
                <div className="text-sm text-stone-300">{c.description}</div>
              </summary>
              <div className="mt-2 space-y-2 text-sm">
                {c.capabilities.length > 0 && (
                  <p className="text-stone-300">Capabilities: {c.capabilities.join(", ")}</p>
                )}
                {c.allowed_hosts.length > 0 && <p className="text-stone-300">Hosts: {c.allowed_hosts.join(", ")}</p>}
                <h3 className="text-xs text-stone-300">Input schema</h3>
                <Json value={c.input_schema} label={`${c.name} input schema`} />
                {c.examples !== undefined && (
                  <>
                    <h3 className="text-xs text-stone-300">Examples</h3>
                    <Json value={c.examples} label={`${c.name} examples`} />
                  </>
                )}
              </div>
            </details>
          ))}
      </div>
      <h2 className="mt-6 mb-2 text-lg font-semibold">API recipes</h2>
      {!recipes.data && <Loading what="recipes" />}
      <div className="grid gap-3 md:grid-cols-2">
        {recipes.data?.recipes
          .filter((r) => match(JSON.stringify([r.canonical_id, r.name, r.description])))
          .map((r, i) => (
            <details
              key={String(r.id ?? r.canonical_id ?? i)}
              className="rounded-lg border border-stone-700 bg-stone-900 p-3"
            >
              <summary className="cursor-pointer">
                <span className="font-mono font-semibold text-orange-300">
                  {String(r.canonical_id ?? r.name ?? r.id)}
                </span>
                {r.description && <div className="text-sm text-stone-300">{String(r.description)}</div>}
              </summary>
              <Json value={r} label="recipe" />
            </details>
          ))}
      </div>
    </Page>
  );
}
