import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { componentExamples } from "./console/build/component-examples";

// The console: served by the executor at /console (same origin as the API). `vite build -c vite.console.config.ts`
// writes dist-console/console; scripts/bundle-console.mjs turns that into the worker the executor binds as CONSOLE.
export default defineConfig({
  root: "console",
  base: "/console/",
  plugins: [
    react(),
    tailwindcss(),
    componentExamples(fileURLToPath(new URL("../registry/components", import.meta.url))),
  ],
  build: { outDir: "../dist-console/console", emptyOutDir: true, chunkSizeWarningLimit: 700 },
  server: { host: "127.0.0.1" },
});
