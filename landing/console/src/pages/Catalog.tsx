import { useState } from "react";
import { ComponentCard, type Manifest } from "../parts/ComponentCard";
import { RecipeCard, type RecipeSummary } from "../parts/RecipeCard";
import { ErrorNote, inputClass, Loading, Page } from "../ui";
import { useApi } from "../useApi";

/** The components (input fields, an example input, the step in YAML) and the API recipes (their exposure review). */
export function Catalog() {
  const cmps = useApi<{ components: Manifest[] }>("/v1/components");
  const recipes = useApi<{ recipes: RecipeSummary[] }>("/v1/recipes");
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
      <div className="grid items-start gap-3 md:grid-cols-2">
        {cmps.data?.components
          .filter((c) => match(`${c.name} ${c.description}`))
          .map((c) => (
            <ComponentCard key={c.name} manifest={c} />
          ))}
      </div>
      <h2 className="mt-6 mb-2 text-lg font-semibold">API recipes</h2>
      {!recipes.data && <Loading what="recipes" />}
      <div className="grid items-start gap-3 md:grid-cols-2">
        {recipes.data?.recipes
          .filter((r) => match(`${r.canonical_id ?? ""} ${r.display_name ?? ""} ${r.description ?? ""}`))
          .map((r) => (
            <RecipeCard key={r.id} recipe={r} />
          ))}
      </div>
    </Page>
  );
}
