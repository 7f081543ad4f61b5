import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHeader, staleReasons, unifiedDiff } from "../../src/check.js";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import { ParseError } from "../../src/errors.js";
import type { Lock } from "../../src/model.js";
import { VERSION } from "../../src/version.js";
import { tempDir } from "../helpers.js";

function configError(text: string): string {
  try {
    parseConfig(text, "/repo/lock2nix.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return (err as ParseError).format();
  }
  throw new Error("expected a ParseError");
}

describe("lock2nix.yaml", () => {
  it("reads projects with their paths made absolute against the file's folder", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "nix"));
    writeFileSync(join(dir, "nix", "extra.yaml"), "{}\n");
    writeFileSync(
      join(dir, "lock2nix.yaml"),
      `projects:
  - name: api
    lock: services/api
    output: services/api/lock.nix
    python: 3.10
    systems: x86_64-linux
    groups: [main, dev]
    extras: [postgres]
    prefer-wheels: true
    index-url: https://mirror.example/simple/
    overrides: [nix/extra.yaml]
  - name: worker
    lock: services/worker/uv.lock
    output: services/worker/lock.nix
    format: uv
`,
    );
    const config = loadConfig(join(dir, "lock2nix.yaml"));
    expect(config.file).toBe(join(dir, "lock2nix.yaml"));
    expect(config.projects).toEqual([
      {
        name: "api",
        lock: join(dir, "services/api"),
        output: join(dir, "services/api/lock.nix"),
        // `3.10` is a YAML float (3.1); the text as written is what is meant.
        python: "3.10",
        systems: ["x86_64-linux"],
        groups: ["main", "dev"],
        extras: ["postgres"],
        preferWheels: true,
        indexUrl: "https://mirror.example/simple/",
        overrides: [join(dir, "nix", "extra.yaml")],
        line: 2,
        root: dir,
      },
      { name: "worker", lock: join(dir, "services/worker/uv.lock"), output: join(dir, "services/worker/lock.nix"), format: "uv", line: 12, root: dir },
    ]);
  });

  it.each([
    ["", "/repo/lock2nix.yaml:1:1: the file is empty: expected `projects:` with a list of projects"],
    ["projects: []\n", "/repo/lock2nix.yaml:1:11: projects: expected a non-empty list of projects"],
    ["project:\n  - name: a\n", "/repo/lock2nix.yaml:1:1: the file: unknown key `project` (did you mean `projects`?)"],
    ["projects: []\nsettings: {}\n", "/repo/lock2nix.yaml:2:1: the file: unknown key `settings` (expected one of projects, indexes)"],
    ["projects:\n  - name: a\n    lock: x\n", "/repo/lock2nix.yaml:2:5: projects[0]: missing key `output`"],
    [
      "projects:\n  - name: a\n    lock: x\n    output: o.nix\n    pyhton: '3.12'\n",
      "/repo/lock2nix.yaml:5:5: projects[0]: unknown key `pyhton` (did you mean `python`?)",
    ],
    [
      "projects:\n  - name: a\n    lock: x\n    output: o.nix\n    systems: [x86_64-linux, riscv64-linux]\n",
      "/repo/lock2nix.yaml:5:29: projects[0].systems: `riscv64-linux` is not one of x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin",
    ],
    ["projects:\n  - name: a\n    lock: x\n    output: o.nix\n    python: three\n", '/repo/lock2nix.yaml:5:13: projects[0].python: expected a CPython minor version such as "3.12"'],
    ["projects:\n  - name: a\n    lock: x\n    output: o.nix\n    prefer-wheels: yes\n", "/repo/lock2nix.yaml:5:20: projects[0].prefer-wheels: expected true or false"],
    ["projects:\n  - name: a\n    lock: x\n    output: o.nix\n    groups: {main: 1}\n", "/repo/lock2nix.yaml:5:13: projects[0].groups: expected a list of strings"],
    ["projects:\n  - name: a\n    lock: [x]\n    output: o.nix\n", "/repo/lock2nix.yaml:3:11: projects[0].lock: expected a string"],
    ["projects:\n  - name: a\n    lock: x\n    output: o.nix\n    format: npm\n", "/repo/lock2nix.yaml:5:13: projects[0].format: expected one of poetry, uv, pdm, pylock, pipenv, requirements"],
    ["projects:\n  - name: a\n    lock: x\n    output: o.nix\n    index-url: ftp://x\n", "/repo/lock2nix.yaml:5:16: projects[0].index-url: expected an http(s) URL"],
    ["projects:\n  - name: a b\n    lock: x\n    output: o.nix\n", "/repo/lock2nix.yaml:2:11: projects[0].name: `a b` must be letters, digits, `.`, `_` and `-`"],
    [
      "projects:\n  - name: a\n    lock: x\n    output: o.nix\n  - name: a\n    lock: y\n    output: p.nix\n",
      "/repo/lock2nix.yaml:5:11: projects[1].name: a project named `a` is already listed at line 2",
    ],
    [
      "projects:\n  - name: a\n    lock: x\n    output: o.nix\n  - name: b\n    lock: y\n    output: ./o.nix\n",
      "/repo/lock2nix.yaml:7:13: projects[1].output: project `a` writes the same file",
    ],
    ["projects:\n  - name: a\n    lock: x\n    output: o.nix\n    overrides: [missing.yaml]\n", "/repo/lock2nix.yaml:5:17: projects[0].overrides: no such file missing.yaml"],
    ["projects:\n  - name: a\n    name: b\n", "/repo/lock2nix.yaml:3:5: invalid YAML: Map keys must be unique"],
    ["projects:\n  - name: [a\n", "/repo/lock2nix.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"],
  ])("says where a mistake is: %j", (text, message) => {
    expect(configError(text)).toBe(message);
  });

  it("names an unreadable file", () => {
    expect(() => loadConfig("/nonexistent/lock2nix.yaml")).toThrow(ParseError);
    try {
      loadConfig("/nonexistent/lock2nix.yaml");
    } catch (err) {
      expect((err as ParseError).format()).toBe("/nonexistent/lock2nix.yaml: cannot read the config file: no such file");
    }
  });
});

const LOCK = { file: "/p/poetry.lock", sha256: "a".repeat(64) } as Lock;
const HEADER = `# Generated by lock2nix ${VERSION} from poetry.lock. Do not edit: run lock2nix again.
# lockfile-sha256: ${"a".repeat(64)}
# option artifacts: prefer-sdists
# option python: 3.12
{ pkgs ? import <nixpkgs> { } }:
`;

describe("the output header", () => {
  it("reads what the emitter records", () => {
    expect(parseHeader(HEADER)).toEqual({
      version: VERSION,
      lockName: "poetry.lock",
      lockSha256: "a".repeat(64),
      options: { artifacts: "prefer-sdists", python: "3.12" },
    });
    expect(parseHeader("{ pkgs }: pkgs\n")).toBeUndefined();
  });

  it("is current only when version, lockfile and options all match", () => {
    const options = { artifacts: "prefer-sdists", python: "3.12" };
    expect(staleReasons(parseHeader(HEADER), LOCK, options)).toEqual([]);
    expect(staleReasons(parseHeader(HEADER), { ...LOCK, sha256: "b".repeat(64) }, options)).toEqual(["the lockfile changed since"]);
    expect(staleReasons(parseHeader(HEADER), LOCK, { ...options, python: "3.13" })).toEqual(["option python was `3.12`, now `3.13`"]);
    expect(staleReasons(parseHeader(HEADER), LOCK, { ...options, extras: "x" })).toEqual(["option extras was not set, now `x`"]);
    expect(staleReasons(parseHeader(HEADER.replace(VERSION, "0.0.1")), LOCK, options)).toEqual([`it was generated by lock2nix 0.0.1, this is ${VERSION}`]);
    expect(staleReasons(parseHeader(HEADER), { ...LOCK, file: "/p/uv.lock" }, options)).toEqual(["it was generated from poetry.lock, not uv.lock"]);
    expect(staleReasons(undefined, LOCK, options)).toEqual(["it has no lock2nix header"]);
  });
});

/** Applies a unified diff to `old`, checking every context and removed line. */
function applyDiff(old: string, diff: string): string {
  const oldLines = old === "" ? [] : old.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let at = 0;
  const lines = diff.split("\n").slice(2, -1);
  let noEol = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(line);
    if (m) {
      const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
      while (at < start) out.push(oldLines[at++] as string);
      continue;
    }
    if (line === "\\ No newline at end of file") {
      if (lines[i - 1]?.[0] !== "-") noEol = true;
      continue;
    }
    const kind = line[0];
    const text = line.slice(1);
    if (kind === " " || kind === "-") {
      expect(oldLines[at], `line ${at + 1}`).toBe(text);
      at++;
    }
    if (kind === " " || kind === "+") out.push(text);
  }
  while (at < oldLines.length) out.push(oldLines[at++] as string);
  if (noEol && old.endsWith("\n") === false) noEol = true;
  return out.join("\n") + (out.length > 0 && !noEol ? "\n" : "");
}

function lcsLength(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = [0];
    for (let j = 1; j <= b.length; j++) row.push(x === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, row[j - 1] as number));
    prev = row;
  }
  return prev[b.length] as number;
}

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("unified diff", () => {
  it("writes diff -u's hunks", () => {
    const old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
    const now = "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";
    expect(unifiedDiff(old, now, { oldName: "a/x", newName: "b/x" })).toBe(
      "--- a/x\n+++ b/x\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n",
    );
    expect(unifiedDiff(old, old, { oldName: "a/x", newName: "b/x" })).toBe("");
    expect(unifiedDiff("", "x\ny\n", { oldName: "/dev/null", newName: "b/x" })).toBe("--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    expect(unifiedDiff("x\n", "", { oldName: "a/x", newName: "b/x" })).toBe("--- a/x\n+++ b/x\n@@ -1 +0,0 @@\n-x\n");
    expect(unifiedDiff("x\ny", "x\ny\n", { oldName: "a/x", newName: "b/x" })).toBe("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n");
  });

  it("is minimal, and patch(1) applies it", () => {
    const dir = tempDir();
    const random = rng(7);
    const words = ["alpha", "beta", "gamma", "delta", "eps"];
    for (let round = 0; round < 40; round++) {
      const make = () => Array.from({ length: Math.floor(random() * 30) }, () => words[Math.floor(random() * words.length)]).join("\n") + "\n";
      const a = make();
      const b = random() < 0.5 ? make() : a.replace(/gamma/, "GAMMA").replace(/\nbeta\n/, "\n");
      const diff = unifiedDiff(a, b, { oldName: "a/f", newName: "b/f" });
      expect(applyDiff(a, diff)).toBe(a === b ? a : b);
      if (a === b) continue;
      // Minimal: as many changed lines as the longest common subsequence leaves.
      const al = a.replace(/\n$/, "").split("\n");
      const bl = b.replace(/\n$/, "").split("\n");
      const changed = diff.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l)).length;
      expect(changed).toBe(al.length + bl.length - 2 * lcsLength(al, bl));
      writeFileSync(join(dir, "f"), a);
      writeFileSync(join(dir, "f.diff"), diff);
      execFileSync("patch", ["-s", "-p1", "-i", "f.diff"], { cwd: dir });
      expect(execFileSync("cat", [join(dir, "f")], { encoding: "utf8" })).toBe(b);
    }
  });

  it("stays fast on files with nothing in common", () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `a${i}`).join("\n") + "\n";
    const b = Array.from({ length: 20_000 }, (_, i) => `b${i}`).join("\n") + "\n";
    const started = Date.now();
    const diff = unifiedDiff(a, b, { oldName: "a/f", newName: "b/f" });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(applyDiff(a, diff)).toBe(b);
  });
});
