// Writes data/build-systems.txt, the build-backend table (see data/SOURCE.md):
//
//   node scripts/build-systems.mjs [path/to/poetry2nix/build-systems.json [output file]]
//
// Sources, merged per package (a later one replaces an earlier one's entry):
//   1. poetry2nix's overrides/build-systems.json (default ../shared/peers/poetry2nix-data/),
//      kept for the names in data/top-pypi-packages.txt;
//   2. data/build-systems.curated.txt: packages read from their sdists and nixpkgs' derivations.
// Names are mapped to nixpkgs attributes as src/inspect/build-requires.ts maps an sdist's
// requires; a name it has no attribute for is dropped and listed on standard error.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// Run with `node --import tsx`: the PEP 440 order is lock2nix's own.
import { compareVersions as compare, isValidVersion as valid } from "../src/pep/version.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DATA = join(ROOT, "data");
const input = process.argv[2] ?? join(ROOT, "..", "shared", "peers", "poetry2nix-data", "build-systems.json");
const output = process.argv[3] ?? join(DATA, "build-systems.txt");

// Must agree with KNOWN_BUILD_ATTRS, RENAMED and HOOKS in src/inspect/build-requires.ts (a test checks).
const known = new Set(
  [...readFileSync(join(ROOT, "src", "inspect", "build-requires.ts"), "utf8").matchAll(/^ {2}"([a-z0-9-]+)",$/gm)].map((m) => m[1]),
);
// poetry2nix's names that nixpkgs meets with another attribute: cython_0 (Cython < 3) is met by
// nixpkgs' cython 3, so those releases also get `relax-pins` (skip pypa build's dependency check).
// wheel: null, as nixpkgs' build hooks propagate it.
const ALIASES = { cython_0: "cython", "oldest-supported-numpy": "numpy", maturin: "maturin", wheel: null };
const dropped = new Map();

function attrName(name) {
  if (Object.hasOwn(ALIASES, name)) return ALIASES[name] ?? undefined;
  if (known.has(name)) return name;
  dropped.set(name, (dropped.get(name) ?? 0) + 1);
  return undefined;
}

/** [{ from?, until?, attrs }] from poetry2nix's list: plain names hold for every version. */
function segments(entries) {
  const always = new Set();
  const ranged = [];
  for (const e of entries) {
    const name = typeof e === "string" ? e : e.buildSystem;
    const attr = attrName(name);
    if (!attr) continue;
    const attrs = name === "cython_0" ? [attr, "relax-pins"] : [attr];
    if (typeof e === "string" || (e.from === undefined && e.until === undefined)) for (const a of attrs) always.add(a);
    // Some bounds carry blanks (" 20.18"): packaging strips them, and so does this.
    else {
      const from = e.from?.trim();
      const until = e.until?.trim();
      for (const a of attrs) if ((from === undefined || valid(from)) && (until === undefined || valid(until))) ranged.push({ attr: a, from, until });
    }
  }
  const bounds = [...new Set(ranged.flatMap((r) => [r.from, r.until]).filter((v) => v !== undefined))].sort(compare);
  const edges = [undefined, ...bounds];
  const out = [];
  for (let i = 0; i < edges.length; i++) {
    const from = edges[i];
    const until = edges[i + 1];
    // Every bound is an edge, so a range holds for all of [from, until) or none of it.
    const holds = (r) =>
      (r.from === undefined || (from !== undefined && compare(from, r.from) >= 0)) &&
      (r.until === undefined || (until !== undefined && compare(until, r.until) <= 0));
    const list = [...new Set([...always, ...ranged.filter(holds).map((r) => r.attr)])].sort();
    const last = out[out.length - 1];
    if (last && last.attrs.join(",") === list.join(",")) last.until = until;
    else out.push({ from, until, attrs: list });
  }
  return out.filter((s) => s.attrs.length > 0);
}

function line(name, segs) {
  if (segs.length === 1 && segs[0].from === undefined && segs[0].until === undefined) return `${name} ${segs[0].attrs.join(",")}`;
  return `${name} ${segs.map((s) => `${s.from ?? ""}..${s.until ?? ""}=${s.attrs.join(",")}`).join(" ")}`;
}

const top = new Set(readFileSync(join(DATA, "top-pypi-packages.txt"), "utf8").split("\n").filter(Boolean));
const table = new Map();
const poetry2nix = JSON.parse(readFileSync(input, "utf8"));
for (const name of Object.keys(poetry2nix)) {
  if (!top.has(name)) continue;
  const segs = segments(poetry2nix[name]);
  if (segs.length > 0) table.set(name, line(name, segs));
}
for (const raw of readFileSync(join(DATA, "build-systems.curated.txt"), "utf8").split("\n")) {
  const text = raw.replace(/#.*/, "").trim();
  if (text === "") continue;
  const [name, ...specs] = text.split(/\s+/);
  for (const spec of specs) for (const attr of spec.replace(/^[^=]*=/, "").split(",")) if (attr !== "none" && attr !== "relax-pins" && attrName(attr) !== attr) throw new Error(`curated ${name}: ${attr} is not a known attribute`);
  table.set(name, `${name} ${specs.join(" ")}`);
}

const header = [
  "# Build backends per PyPI package, as nixpkgs python attributes (data/SOURCE.md says where from).",
  "# Written by scripts/build-systems.mjs: edit data/build-systems.curated.txt and run it again.",
  "# <name> <attrs> | <name> <from>..<until>=<attrs> ...   (from inclusive, until exclusive, PEP 440)",
];
const names = [...table.keys()].sort();
writeFileSync(output, [...header, ...names.map((n) => table.get(n))].join("\n") + "\n");
const skipped = [...dropped].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} (${c})`);
console.error(`${output}: ${names.length} packages; names with no nixpkgs attribute known, dropped: ${skipped.join(", ")}`);
