// The output is byte-identical whatever --jobs is and whatever order the
// index's answers arrive in: the loopback index answers a random half of the
// first requests with 503 and a random Retry-After, so each run sees its
// responses in a different order.

import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startIndexServer, type IndexFile, type IndexServer } from "../support/index-server.js";
import { tempDir } from "../helpers.js";

const COUNT = 24;
const pad = (i: number) => String(i).padStart(2, "0");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function filesOf(prefix: string): IndexFile[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const name = `${prefix}-${pad(i)}`;
    const version = `1.${i}.0`;
    const dist = name.replace(/-/g, "_");
    return [`${dist}-${version}.tar.gz`, `${dist}-${version}-py3-none-any.whl`].map((filename) => ({
      name,
      version,
      filename,
      content: Buffer.from(`contents of ${filename}`),
    }));
  }).flat();
}

const REQ_FILES = filesOf("req");
const LIB_FILES = filesOf("lib");

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server: IndexServer;
/** The current run's fault script: which paths already failed, and its random numbers. */
let run = { failed: new Set<string>(), random: mulberry32(1) };

beforeAll(async () => {
  server = await startIndexServer({
    files: [...REQ_FILES, ...LIB_FILES],
    delayMs: 2,
    faults: (req) => {
      if (run.failed.has(req.path) || run.random() < 0.5) return undefined;
      run.failed.add(req.path);
      return { status: 503, headers: { "Retry-After": (run.random() * 0.04).toFixed(3) } };
    },
  });
});
afterAll(async () => {
  await server.close();
});

/** A requirements file with hashes on the index, and a poetry.lock on it as a legacy source. */
function monorepo(): string {
  const dir = tempDir("lock2nix-jobs-");
  const byName = (files: IndexFile[]) => {
    const map = new Map<string, IndexFile[]>();
    for (const f of files) map.set(`${f.name}==${f.version}`, [...(map.get(`${f.name}==${f.version}`) ?? []), f]);
    return map;
  };
  const req = [...byName(REQ_FILES)].map(
    ([pin, files]) => `${pin} \\\n${files.map((f) => `    --hash=sha256:${sha(f.content)}`).sort().join(" \\\n")}\n    # via -r requirements.in\n`,
  );
  writeFileSync(join(dir, "requirements.txt"), `--index-url ${server.simpleUrl}\n\n${req.join("")}`);
  const lib = [...byName(LIB_FILES)].map(([pin, files]) => {
    const [name, version] = pin.split("==") as [string, string];
    return `[[package]]
name = "${name}"
version = "${version}"
description = ""
optional = false
python-versions = "*"
files = [
${files.map((f) => `    {file = "${f.filename}", hash = "sha256:${sha(f.content)}"},`).join("\n")}
]

[package.source]
type = "legacy"
url = "${server.simpleUrl}"
reference = "private"
`;
  });
  writeFileSync(join(dir, "poetry.lock"), `${lib.join("\n")}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "0"\n`);
  writeFileSync(
    join(dir, "pyproject.toml"),
    `[tool.poetry]\nname = "app"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\n${LIB_FILES.filter((f) => f.filename.endsWith(".whl"))
      .map((f) => `${f.name} = "*"`)
      .join("\n")}\n[[tool.poetry.source]]\nname = "private"\nurl = "${server.simpleUrl}"\n`,
  );
  writeFileSync(
    join(dir, "lock2nix.yaml"),
    "projects:\n  - name: reqs\n    lock: requirements.txt\n    output: reqs.nix\n    python: '3.12'\n  - name: poetry\n    lock: poetry.lock\n    output: poetry.nix\n    python: '3.12'\n",
  );
  return dir;
}

describe("byte-identical output", () => {
  it("across --jobs 1, 4 and 16 with the index's answers in a different order each run", async () => {
    const dir = monorepo();
    const outputs: string[][] = [];
    const orders: string[] = [];
    const env = process.env;
    for (const [i, jobs] of [1, 4, 16, 16, 4].entries()) {
      run = { failed: new Set(), random: mulberry32(1000 + i) };
      const first = server.requests.length;
      let stderr = "";
      // A cold cache each time, so every answer comes from the index.
      process.env = { ...env, XDG_CACHE_HOME: tempDir() };
      try {
        const code = await main(["generate", "--config", join(dir, "lock2nix.yaml"), "--jobs", String(jobs), "--quiet"], {
          stdout: () => {},
          stderr: (t) => (stderr += t),
        });
        expect(code, stderr).toBe(0);
      } finally {
        process.env = env;
      }
      const log = server.requests.slice(first);
      expect(log.filter((r) => r.status === 503).length, "some answers were delayed by a 503").toBeGreaterThan(0);
      orders.push(
        log
          .filter((r) => r.status === 200)
          .map((r) => r.path)
          .join(" "),
      );
      outputs.push(["reqs.nix", "poetry.nix"].map((f) => readFileSync(join(dir, f), "utf8")));
      for (const f of ["reqs.nix", "poetry.nix"]) rmSync(join(dir, f));
    }
    expect(new Set(orders).size, "the answers came in different orders").toBeGreaterThan(1);
    for (const o of outputs) expect(o).toEqual(outputs[0]);
    const [reqs, poetry] = outputs[0] as [string, string];
    expect(reqs).toContain(`url = "${server.fileUrl("req_23-1.23.0.tar.gz")}";`);
    expect(poetry).toContain(`url = "${server.fileUrl("lib_00-1.0.0.tar.gz")}";`);
    expect(reqs.match(/buildPythonPackage \{/g)?.length).toBe(COUNT);
    expect(poetry.match(/buildPythonPackage \{/g)?.length).toBe(COUNT);
  });
});
