/**
 * The component catalog shown on the site, read at build time from the registry's manifests, so the
 * page can never list a component that does not exist (nor miss a new one).
 */
export interface CatalogEntry {
  name: string;
  description: string;
  capabilities: string[];
}

const manifests = import.meta.glob<{ default: Partial<CatalogEntry> }>("../../registry/components/*/component.json", {
  eager: true,
});

export const catalog: CatalogEntry[] = Object.values(manifests)
  .map((m) => ({
    name: m.default.name ?? "unnamed",
    description: m.default.description ?? "",
    capabilities: m.default.capabilities ?? [],
  }))
  .sort((a, b) => a.name.localeCompare(b.name));
