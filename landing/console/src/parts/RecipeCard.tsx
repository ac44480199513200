/** One API recipe of the catalogue: the call it makes and its exposure review (where data and credentials go). */
import { useEffect, useState } from "react";
import { api, type ExposureReview, enc } from "../api";
import { ErrorNote, Loading } from "../ui";
import { ExposureDetails } from "./Exposure";

export interface RecipeSummary {
  id: string;
  canonical_id?: string;
  display_name?: string;
  description?: string;
  auth_service?: string;
  origin?: string;
}
interface Recipe extends RecipeSummary {
  endpoint: string;
  method: string;
  credentials_required?: string[];
  inputs_required?: string[];
  _meta?: unknown;
}

export function RecipeCard({ recipe: r }: { recipe: RecipeSummary }) {
  const [open, setOpen] = useState(false);
  const [full, setFull] = useState<{ recipe: Recipe; review: ExposureReview } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const name = r.canonical_id ?? r.id;
  useEffect(() => {
    if (!open || full) return;
    (async () => {
      const recipe = await api<Recipe>("GET", `/v1/recipes/${enc(r.id)}`);
      const { _meta, ...plain } = recipe;
      // The review route computes what `acr recipe push` would show, without storing anything.
      const review = await api<ExposureReview>("POST", "/v1/recipes/review", { recipe: plain });
      setFull({ recipe, review });
    })().catch(setError);
  }, [open, full, r.id]);
  return (
    <details
      className="rounded-lg border border-stone-700 bg-stone-900 p-3"
      data-recipe={name}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary className="cursor-pointer">
        <span className="font-mono font-semibold text-orange-300">{name}</span>{" "}
        <span className="text-xs text-stone-400">{r.origin === "seed" ? "built in" : "yours"}</span>
        {(r.display_name || r.description) && (
          <div className="text-sm text-stone-300">{r.description ?? r.display_name}</div>
        )}
      </summary>
      {open && (
        <div className="mt-2 space-y-2 text-sm">
          <ErrorNote error={error} />
          {!full && !error && <Loading what="the exposure review" />}
          {full && (
            <>
              <p className="font-mono text-xs break-all text-stone-200">
                {full.recipe.method} {full.recipe.endpoint}
              </p>
              <p className="text-stone-300">
                {full.recipe.auth_service ? `Auth: ${full.recipe.auth_service}` : "No auth"}
                {full.recipe.credentials_required?.length
                  ? ` · credentials: ${full.recipe.credentials_required.join(", ")}`
                  : ""}
                {full.recipe.inputs_required?.length ? ` · inputs: ${full.recipe.inputs_required.join(", ")}` : ""}
              </p>
              <h3 className="text-xs font-semibold text-stone-300">Exposure review: where a step sends data</h3>
              <ExposureDetails review={full.review} />
              <p className="text-xs text-stone-400">
                In a workflow: <code className="text-stone-200">component: {name}</code> with a{" "}
                <code className="text-stone-200">credential:</code> and the inputs above.
              </p>
            </>
          )}
        </div>
      )}
    </details>
  );
}
