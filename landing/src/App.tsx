import { Components } from "./sections/Components";
import { Deploy } from "./sections/Deploy";
import { Hero } from "./sections/Hero";
import { Security } from "./sections/Security";
import { Workflow } from "./sections/Workflow";

/** The arcrun website: one page, static, built by `npm run build -w landing`. */
export function App() {
  return (
    <main>
      <Hero />
      <Workflow />
      <Security />
      <Components />
      <Deploy />
      <footer className="mx-auto max-w-6xl px-6 py-10 text-sm text-stone-500">
        arcrun is open source. Docs: architecture, workflow format, component ABI, credentials, install.
      </footer>
    </main>
  );
}
