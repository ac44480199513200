import { lazy, type ReactElement, Suspense, useCallback, useEffect, useState } from "react";
import { api, setSignedOutHandler, type Tenant } from "./api";
import { Catalog } from "./pages/Catalog";
import { Credentials } from "./pages/Credentials";
import { Executions } from "./pages/Executions";
import { SignIn } from "./pages/SignIn";
import { Workflows } from "./pages/Workflows";
import { Link, navigate, useRoute } from "./router";
import { Loading } from "./ui";

// The graph and the editor (React Flow, dagre, CodeMirror) load only on the pages that draw them.
const WorkflowPage = lazy(() => import("./pages/Workflow"));
const ExecutionPage = lazy(() => import("./pages/Execution"));

const NAV = [
  { to: "/", label: "Workflows", match: (p: string) => p === "/" || p.startsWith("/workflows") },
  { to: "/executions", label: "Executions", match: (p: string) => p.startsWith("/executions") },
  { to: "/credentials", label: "Credentials", match: (p: string) => p.startsWith("/credentials") },
  { to: "/catalog", label: "Components", match: (p: string) => p.startsWith("/catalog") },
];

export function App() {
  const [tenant, setTenant] = useState<Tenant | null | undefined>(undefined);
  const route = useRoute();

  const check = useCallback(() => {
    api<Tenant>("GET", "/v1/whoami", undefined, { quiet401: true }).then(setTenant, () => setTenant(null));
  }, []);
  useEffect(() => {
    setSignedOutHandler(() => setTenant(null));
    check();
  }, [check]);

  if (tenant === undefined)
    return (
      <main className="p-6">
        <Loading what="the console" />
      </main>
    );
  if (tenant === null) return <SignIn onSignedIn={setTenant} />;

  const signOut = async () => {
    await api("DELETE", "/v1/sessions/current").catch(() => {});
    setTenant(null);
    navigate("/", { replace: true });
  };
  const p = route.path;
  const workflow = /^\/workflows\/([^/]+)$/.exec(p);
  const execution = /^\/executions\/([^/]+)$/.exec(p);
  let page: ReactElement;
  if (p === "/new") page = <WorkflowPage name={null} query={route.query} />;
  else if (workflow?.[1]) page = <WorkflowPage name={decodeURIComponent(workflow[1])} query={route.query} />;
  else if (execution?.[1]) page = <ExecutionPage key={execution[1]} id={decodeURIComponent(execution[1])} />;
  else if (p.startsWith("/executions")) page = <Executions query={route.query} />;
  else if (p.startsWith("/credentials")) page = <Credentials />;
  else if (p.startsWith("/catalog")) page = <Catalog />;
  else page = <Workflows />;

  return (
    <div className="flex min-h-screen flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:p-2">
        Skip to content
      </a>
      <header className="border-b border-stone-800 bg-stone-900">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-1 px-3 py-2 sm:px-6">
          <Link to="/" className="font-semibold tracking-tight text-orange-400">
            arcrun
          </Link>
          <nav aria-label="Main" className="flex flex-wrap gap-1 text-sm">
            {NAV.map((n) => (
              <Link
                key={n.to}
                to={n.to}
                aria-current={n.match(p) ? "page" : undefined}
                className={`rounded px-2 py-1 ${n.match(p) ? "bg-stone-700 text-white" : "text-stone-300 hover:text-white"}`}
              >
                {n.label}
              </Link>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-2 text-xs text-stone-300">
            <span title="your namespace">ns {tenant.ns}</span>
            <button
              type="button"
              onClick={signOut}
              className="rounded border border-stone-600 px-2 py-1 text-stone-200 hover:bg-stone-800"
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="flex-1">
        <Suspense fallback={<Loading what="page" />}>{page}</Suspense>
      </main>
    </div>
  );
}
