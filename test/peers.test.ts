/**
 * Other projects' test suites as lock2nix's: every poetry2nix and uv2nix test
 * lock in ../shared/peers generates offline with every hash from the lock, or
 * is refused naming the local path that was not copied. What is expected is
 * read from the lock text with @iarna/toml, a parser lock2nix does not use.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import TOML from "@iarna/toml";
import { afterAll, describe, expect, it } from "vitest";
import { generate } from "../src/generate.js";
import { tempDir } from "./helpers.js";

const PEERS = join(import.meta.dirname, "..", "..", "shared", "peers");
const SUITES = ["nix-community-poetry2nix", "pyproject-nix-uv2nix"];
const SKIP = existsSync(PEERS) || process.env["CI"] === "true" ? undefined : `${PEERS} not found (the shared peers' test data)`;
if (SKIP) console.warn(`skipping peers' suites: ${SKIP}`);

/** Refusals that are right, with why; anything else refused fails. */
const REFUSED: Record<string, { error: RegExp; why: string }> = {
  "nix-community-poetry2nix/rasterio/poetry.lock": {
    error: /the project allows python >=3\.9,<3\.10, and nixpkgs ships none of/,
    why: "the project allows only python 3.9, which nixpkgs no longer ships",
  },
  ...Object.fromEntries(
    ["affine", "affine-pre-2-4", "jupyterlab", "jupyterlab-3"].map((name) => [
      `nix-community-poetry2nix/${name}/poetry.lock`,
      {
        error: /the project allows python >=3\.10,<3\.11, and nixpkgs ships none of/,
        why: "the project allows only python 3.10, which current nixpkgs no longer ships (--python 3.10 generates it for an older nixpkgs)",
      },
    ]),
  ),
  "nix-community-poetry2nix/twisted/poetry.lock": {
    error: /the project \(group main\) depends on twisted, which the lock does not contain; the lock is incomplete/,
    why: "the lock is stale: pyproject.toml asks for twisted, the lock holds only jq (poetry2nix's test never regenerated it)",
  },
  "pyproject-nix-uv2nix/no-binary-no-build/uv.lock": {
    error: /forbids both building it \(no-build\) and using its wheels \(no-binary\)/,
    why: "[tool.uv] no-build and no-binary together leave no file to install; uv refuses it too",
  },
};

function lockFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) lockFiles(path, out);
    else if (/^(poetry|uv)\.lock$|.\.py\.lock$/.test(entry.name)) out.push(path);
  }
  return out;
}

const CASES = SKIP ? [] : SUITES.flatMap((suite) => lockFiles(join(PEERS, suite)).map((file) => relative(PEERS, file)));

type Toml = Record<string, any>;
const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");
const hex = (hash: string) => hash.replace(/^sha256:/, "");
const isSdist = (file: string) => /\.(tar\.gz|zip|tar\.bz2|tgz|tar\.xz)$/.test(file);

interface Expected {
  /** Packages lock2nix must read from the lock. */
  count: number;
  /** Every sha256 the lock gives. */
  hashes: Set<string>;
  /** Packages with one entry, from an index: the files one of which is built by default (the sdist, or wheels under no-build). */
  sdists: Map<string, string[]>;
}

function expectedPoetry(doc: Toml): Expected {
  const packages: Toml[] = doc["package"] ?? [];
  const hashes = new Set<string>();
  const filesOf = (p: Toml): Toml[] => p["files"]?.length ? p["files"] : (doc["metadata"]?.["files"]?.[p["name"]] ?? []);
  for (const p of packages) for (const f of filesOf(p)) hashes.add(hex(f.hash));
  const counts = new Map<string, number>();
  for (const p of packages) counts.set(norm(p["name"]), (counts.get(norm(p["name"])) ?? 0) + 1);
  const sdists = new Map<string, string[]>();
  for (const p of packages) {
    const type = p["source"]?.["type"];
    if (counts.get(norm(p["name"])) !== 1 || (type !== undefined && type !== "legacy")) continue;
    const sdist = filesOf(p).find((f) => isSdist(f.file));
    if (sdist) sdists.set(norm(p["name"]), [hex(sdist.hash)]);
  }
  return { count: packages.length, hashes, sdists };
}

/** pyproject.toml's [tool.uv] no-build / no-build-package: the packages that must come from a wheel. */
function uvNoBuild(lockPath: string): (name: string) => boolean {
  const file = join(dirname(lockPath), "pyproject.toml");
  const uv: Toml = existsSync(file) ? ((TOML.parse(readFileSync(file, "utf8")) as Toml)["tool"]?.["uv"] ?? {}) : {};
  const some = new Set<string>((uv["no-build-package"] ?? []).map(norm));
  return (name) => uv["no-build"] === true || some.has(name);
}

function expectedUv(doc: Toml, noBuild: (name: string) => boolean): Expected {
  const packages: Toml[] = doc["package"] ?? [];
  const hashes = new Set<string>();
  for (const p of packages) for (const f of [p["sdist"], ...(p["wheels"] ?? [])]) if (f?.hash) hashes.add(hex(f.hash));
  // Virtual packages are not built; the project itself (source ".") is built only when something depends on it.
  const root = packages.find((p) => p["source"]?.["editable"] === "." || p["source"]?.["virtual"] === "." || p["source"]?.["directory"] === ".");
  const rootName = root ? norm(root["name"]) : undefined;
  const dependedOn = (name: string) =>
    packages.some((p) => {
      const lists = [p["dependencies"] ?? [], ...Object.values(p["optional-dependencies"] ?? {}), ...(p === root ? Object.values(p["dev-dependencies"] ?? {}) : [])] as Toml[][];
      return lists.some((l) => l.some((d) => norm(d["name"]) === name));
    });
  const built = packages.filter((p) => p["source"]?.["virtual"] === undefined && (p !== root || dependedOn(rootName as string)));
  const counts = new Map<string, number>();
  for (const p of built) counts.set(norm(p["name"]), (counts.get(norm(p["name"])) ?? 0) + 1);
  const sdists = new Map<string, string[]>();
  for (const p of built) {
    if (counts.get(norm(p["name"])) !== 1 || p["source"]?.["registry"] === undefined || !p["sdist"]?.hash) continue;
    const name = norm(p["name"]);
    sdists.set(name, noBuild(name) ? (p["wheels"] ?? []).map((w: Toml) => hex(w.hash)) : [hex(p["sdist"].hash)]);
  }
  return { count: built.length, hashes, sdists };
}

/**
 * The root's main-group edges a Poetry 1 pyproject.toml gives: one per
 * constraint, each table of a list its own; optional ones only with an extra.
 */
function poetryRootEdges(lockPath: string): number | undefined {
  const file = join(dirname(lockPath), "pyproject.toml");
  if (!existsSync(file)) return undefined;
  const doc = TOML.parse(readFileSync(file, "utf8")) as Toml;
  if (doc["project"]?.["dependencies"] !== undefined) return undefined;
  const deps: Toml = doc["tool"]?.["poetry"]?.["dependencies"] ?? {};
  return Object.entries(deps)
    .filter(([name]) => name !== "python")
    .flatMap(([, v]) => (Array.isArray(v) ? v : [v]))
    .filter((v) => !(typeof v === "object" && v["optional"] === true)).length;
}

/** Every sha256 (hex) the generated Nix fetches. */
function fetchedHashes(nix: string): string[] {
  return [...nix.matchAll(/hash = "sha256-([A-Za-z0-9+/=]+)";/g)].map((m) => Buffer.from(m[1] as string, "base64").toString("hex"));
}

/** A missing local path error must name a path the lock names, which really is absent. */
function checkMissingPath(message: string, lockPath: string, lockText: string): boolean {
  const m = /is a local (?:file|directory) dependency at (.+?), which does not exist \(looked for (.+?)\)/.exec(message);
  if (!m) return false;
  // A local registry's file is named by the registry folder and the file apart.
  expect(lockText).toContain(basename(m[1] as string));
  expect(existsSync(m[2] as string)).toBe(false);
  expect(resolve(dirname(lockPath), m[1] as string)).toBe(m[2]);
  return true;
}

let sampledFiles = 0;

describe.skipIf(SKIP !== undefined)("peers' test suites, offline", () => {
  afterAll(() => {
    // The sample must reach far, or it proves little (every case shares this count).
    if (CASES.length > 0) expect(sampledFiles).toBeGreaterThan(1000);
  });

  it("finds every case", () => {
    const bySuite = SUITES.map((s) => new Set(CASES.filter((c) => c.startsWith(`${s}/`)).map((c) => c.split("/")[1])).size);
    expect(bySuite[0]).toBeGreaterThanOrEqual(170);
    expect(bySuite[1]).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)("%s", async (name) => {
    const path = join(PEERS, name);
    const text = readFileSync(path, "utf8");
    const doc = TOML.parse(text) as Toml;
    const expected = name.endsWith("poetry.lock") ? expectedPoetry(doc) : expectedUv(doc, uvNoBuild(path));
    // Each suite is one repository whose cases point at each other (`../trivial`): its folder is the project root.
    const projectRoot = join(PEERS, name.split("/")[0] as string);
    const run = generate({ path, offline: true, cacheDir: tempDir(), inspect: false, output: join(tempDir(), "lock.nix"), projectRoot });
    const refused = REFUSED[name];
    if (refused) {
      await expect(run).rejects.toThrow(refused.error);
      return;
    }
    let result;
    try {
      result = await run;
    } catch (err) {
      if (checkMissingPath((err as Error).message, path, text)) return;
      throw err;
    }
    expect(result.lock.packages.length).toBe(expected.count);
    const edges = name.endsWith("poetry.lock") ? poetryRootEdges(path) : undefined;
    if (edges !== undefined) expect(result.lock.root.groups["main"] ?? []).toHaveLength(edges);
    for (const hash of fetchedHashes(result.nix)) expect(expected.hashes, `${hash} is not in the lock`).toContain(hash);
    // The sample: each sdist-bearing package that is built somewhere is built from the lock's sdist.
    const fetched = new Set(fetchedHashes(result.nix));
    let sampled = 0;
    for (const [pkg, files] of expected.sdists) {
      if (!result.resolution.packages.has(pkg)) continue;
      sampled++;
      expect(files.filter((f) => fetched.has(f)), `${pkg}: one of ${files.join(", ")}`).toHaveLength(1);
    }
    sampledFiles += sampled;
  });
});
