import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The site is static: `vite build` writes landing/dist, deployable to any static host (or Workers assets).
export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
