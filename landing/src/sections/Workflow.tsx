import { Code } from "./Code";

const yaml = `name: order_alert
trigger:
  webhook: { auth: hmac, secret: shop_secret }
flow:
  - "input >> ON_SUCCESS >> check"
  - "check >> IF {{ check.data.total > 100 }} >> notify"
  - "check >> ELSE >> quiet"
  - "(check)-[:ON_SUCCESS]->(lines:set)"
  - "lines >> for each item >> record"
config:
  check:  { component: set, total: "{{ input.total }}", id: "{{ input.id }}" }
  notify: { component: slack_post, channel: "#orders",
            text: "Order {{ check.data.id }}: {{ check.data.total }}",
            token: "{{ credential.slack_bot }}",
            retry: { max: 3, backoff: exponential, delay: 500ms } }
  quiet:  { component: set, note: "small order" }
  lines:  { item: "{{ input.items }}" }
  record: { component: set, sku: "{{ item.sku }}", position: "{{ each.index }}" }`;

const points = [
  [
    "Edges you can read",
    "Arrow form a >> ON_SUCCESS >> b or a Cypher pattern (a)-[:ON_FAIL]->(b): both compile to one graph.",
  ],
  [
    "Branches, joins, loops",
    "IF / ELSE, ON_TRUE / ON_FALSE / ON_BRANCH(x), FOREACH with a concurrency cap, fan-out and join.",
  ],
  [
    "Every error has an address",
    "Validation names the YAML line and column, even the column inside a flow string, all at once.",
  ],
  ["Pause without burning CPU", "A wait parks the execution; the scheduler wakes it. Resume re-runs only what failed."],
];

export function Workflow() {
  return (
    <section className="mx-auto grid max-w-6xl gap-10 px-6 py-16 md:grid-cols-2">
      <Code title="order_alert.yaml">{yaml}</Code>
      <div>
        <h2 className="text-3xl font-bold">A workflow is a graph in YAML.</h2>
        <dl className="mt-8 space-y-6">
          {points.map(([title, text]) => (
            <div key={title}>
              <dt className="font-semibold text-arc">{title}</dt>
              <dd className="mt-1 text-stone-300">{text}</dd>
            </div>
          ))}
        </dl>
      </div>
    </section>
  );
}
