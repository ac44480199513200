/**
 * A workflow graph: dagre lays out the compiled plan (top to bottom), React Flow draws it. Edges carry their
 * kind (ON_SUCCESS, IF …, ON_BRANCH(x), FOREACH x); nodes their component and, for an execution, their state.
 */
import { Graph as DagreGraph, layout } from "@dagrejs/dagre";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useMemo } from "react";
import type { FlowGraph } from "../api";

const W = 190;
const H = 56;

const STATE_STYLE: Record<string, string> = {
  succeeded: "border-emerald-500 bg-emerald-950",
  failed: "border-red-500 bg-red-950",
  running: "border-sky-400 bg-sky-950",
  pending: "border-amber-400 bg-amber-950",
  waiting: "border-amber-400 bg-amber-950",
  skipped: "border-stone-600 bg-stone-900 opacity-70",
};

type StepData = { id: string; component: string; role: string; state?: string; highlighted?: boolean };

const StepNode = memo(function StepNode({ data, selected }: NodeProps<Node<StepData>>) {
  const base = data.state ? STATE_STYLE[data.state] : "border-stone-500 bg-stone-900";
  return (
    <div
      data-node-id={data.id}
      data-state={data.state ?? ""}
      data-highlighted={data.highlighted ? "true" : undefined}
      className={`w-[190px] rounded-md border-2 px-2 py-1.5 text-left shadow ${base} ${data.highlighted ? "ring-4 ring-red-500" : ""} ${selected ? "outline outline-2 outline-orange-400" : ""}`}
    >
      <Handle type="target" position={Position.Top} className="!bg-stone-400" />
      <div className="flex items-center justify-between gap-1">
        <span className="truncate text-sm font-semibold text-stone-50">{data.id}</span>
        {data.state && <span className="text-[10px] uppercase tracking-wide text-stone-200">{data.state}</span>}
      </div>
      <div className="truncate font-mono text-[11px] text-stone-300">
        {data.role === "trigger" ? "trigger" : data.component}
      </div>
      <Handle type="source" position={Position.Bottom} className="!bg-stone-400" />
    </div>
  );
});

const nodeTypes = { step: StepNode };

function edgeLabel(e: FlowGraph["edges"][number]): string {
  if (e.kind === "ON_BRANCH") return `ON_BRANCH(${e.branch ?? ""})`;
  if (e.kind === "IF" && e.condition) return `IF ${e.condition}`;
  if (e.kind === "FOREACH" && e.over) return `FOREACH ${e.over}`;
  return e.kind;
}

const EDGE_COLOUR: Record<string, string> = {
  ON_FAIL: "#f87171",
  ELSE: "#fbbf24",
  ON_FALSE: "#fbbf24",
  IF: "#60a5fa",
  ON_TRUE: "#60a5fa",
  FOREACH: "#c084fc",
  CALLS_SUBFLOW: "#2dd4bf",
};

/**
 * @example
 * <FlowCanvas graph={validation.graph} states={{ greet: "succeeded" }} onSelect={setNode} />
 */
export default function FlowCanvas({
  graph,
  states,
  highlight,
  onSelect,
  label,
}: {
  graph: FlowGraph;
  states?: Record<string, string>;
  highlight?: Set<string>;
  onSelect?: (id: string) => void;
  label: string;
}) {
  const { nodes, edges } = useMemo(() => {
    const g = new DagreGraph();
    g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 70 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of graph.nodes) g.setNode(n.id, { width: W, height: H });
    for (const e of graph.edges) g.setEdge(e.from, e.to);
    layout(g);
    const nodes: Node<StepData>[] = graph.nodes.map((n) => {
      const p = g.node(n.id);
      return {
        id: n.id,
        type: "step",
        position: { x: (p?.x ?? 0) - W / 2, y: (p?.y ?? 0) - H / 2 },
        data: {
          id: n.id,
          component: n.subflow ? `subflow ${n.subflow}` : (n.component ?? "?"),
          role: n.role,
          ...(states?.[n.id] ? { state: states[n.id] } : {}),
          highlighted: highlight?.has(n.id) ?? false,
        },
        ariaLabel: `${n.id}: ${n.component ?? ""}${states?.[n.id] ? `, ${states[n.id]}` : ""}`,
      };
    });
    const edges: Edge[] = graph.edges.map((e, i) => {
      const colour = EDGE_COLOUR[e.kind] ?? "#a8a29e";
      return {
        id: `${e.from}-${e.to}-${i}`,
        source: e.from,
        target: e.to,
        label: edgeLabel(e),
        labelStyle: { fill: "#f5f5f4", fontSize: 11 },
        labelBgStyle: { fill: "#1c1917" },
        labelBgPadding: [4, 2] as [number, number],
        style: { stroke: colour, strokeWidth: 1.5, ...(e.kind === "ON_FAIL" ? { strokeDasharray: "5 3" } : {}) },
        markerEnd: { type: MarkerType.ArrowClosed, color: colour },
      };
    });
    return { nodes, edges };
  }, [graph, states, highlight]);

  return (
    <section aria-label={label} className="h-full min-h-[320px] w-full rounded-lg border border-stone-700 bg-stone-950">
      <ReactFlow
        // A different set of nodes is a different drawing: remount so it is fitted to the view again.
        key={graph.nodes.map((n) => n.id).join(",")}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.15 }}
        nodesDraggable={false}
        nodesConnectable={false}
        colorMode="dark"
        minZoom={0.2}
        onNodeClick={(_, n) => onSelect?.(n.id)}
        // Keyboard: Tab reaches each node (React Flow makes them focusable); Enter or Space opens it as a click does.
        onKeyDown={(e) => {
          if (e.key !== "Enter" && e.key !== " ") return;
          const id = (e.target as HTMLElement).closest(".react-flow__node")?.getAttribute("data-id");
          if (id) onSelect?.(id);
        }}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} color="#292524" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </section>
  );
}
