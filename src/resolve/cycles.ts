/**
 * Dependency cycles exist on PyPI (e.g. sphinx and its contrib packages),
 * but Nix derivations cannot depend on each other in a circle. We drop
 * the back edges of a depth-first walk over the union of every target's
 * graph, visiting names in sorted order, so the same lock always loses
 * the same edges. Returns the dropped edges as `"from to"` keys.
 */
export function breakCycles(graphs: Array<Map<string, Set<string>>>, warnings: Set<string>): Set<string> {
  const union = new Map<string, string[]>();
  for (const graph of graphs) {
    for (const [from, tos] of graph) {
      union.set(from, [...new Set([...(union.get(from) ?? []), ...tos])].sort());
    }
  }
  const dropped = new Set<string>();
  const state = new Map<string, "active" | "done">();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "active");
    path.push(node);
    for (const next of union.get(node) ?? []) {
      const s = state.get(next);
      if (s === "active") {
        dropped.add(`${node} ${next}`);
        const cycle = [...path.slice(path.indexOf(next)), next].join(" -> ");
        warnings.add(`dependency cycle ${cycle}: the edge ${node} -> ${next} is left out of ${node}'s derivation; both are still installed together`);
      } else if (s === undefined) {
        visit(next);
      }
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of [...union.keys()].sort()) {
    if (!state.has(node)) visit(node);
  }
  return dropped;
}
