import type { Command } from "commander";
import { ApiClient } from "../api/client.js";
import { color } from "../ui/color.js";
import { registerPartsScaffold } from "./parts-scaffold.js";
import { requireConfig } from "./whoami.js";

/** One component as `GET /v1/components` lists it. */
interface ComponentInfo {
  name: string;
  version?: string;
  description?: string;
  language?: string;
  /** Host functions it may call (`http_request`, `kv_get`, …). */
  capabilities?: string[];
}

export function registerParts(program: Command): Command {
  const parts = program
    .command("parts")
    .description("List the components (parts) workflows can use on this platform")
    .option("--search <text>", "only components whose name or description contains the text")
    .addHelpText("after", "\nExamples:\n  $ acr parts\n  $ acr parts --search http --json\n")
    .action(async (o: { search?: string }) => {
      const cfg = requireConfig();
      const res = await new ApiClient(cfg).request<{ components?: ComponentInfo[] } | ComponentInfo[]>(
        "GET",
        "/v1/components",
      );
      const all = Array.isArray(res) ? res : (res.components ?? []);
      const q = o.search?.toLowerCase();
      const list = q
        ? all.filter((c) => c.name.toLowerCase().includes(q) || (c.description ?? "").toLowerCase().includes(q))
        : all;
      if (program.opts().json) {
        console.log(JSON.stringify({ components: list }));
        return;
      }
      if (list.length === 0) {
        console.log(q ? `No component matches "${o.search}".` : "No components on this platform.");
        return;
      }
      const width = Math.max(...list.map((c) => c.name.length));
      for (const c of list) {
        const meta = [c.version && `v${c.version}`, c.language, ...(c.capabilities ?? [])].filter(Boolean).join(", ");
        console.log(
          `${color.bold(c.name.padEnd(width))}  ${c.description ?? ""}${meta ? color.dim(`  (${meta})`) : ""}`,
        );
      }
    });
  registerPartsScaffold(parts);
  return parts;
}
