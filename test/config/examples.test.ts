// examples/: each example's generated output is committed, and CI runs
// `lock2nix generate --check` over them, which must decide from the
// outputs' headers alone: these tests run it with every network request
// sent to a closed port.

import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { loadConfig } from "../../src/config/index.js";
import { projectJob, runJobs, type Report } from "../../src/config/run.js";
import { generate } from "../../src/generate.js";
import { SHARED_SKIP_REASON, tempDir } from "../helpers.js";
import { corpusPypiClient } from "./corpus-index.js";
import { EXAMPLES, exampleJobs } from "./regenerate-examples.js";

let savedEnv: NodeJS.ProcessEnv;
let savedCwd: string;
beforeEach(() => {
  savedEnv = process.env;
  savedCwd = process.cwd();
  // Any request would go through this proxy, which refuses connections: a run that needs the network fails.
  process.env = { ...savedEnv, XDG_CACHE_HOME: tempDir(), HTTP_PROXY: "http://127.0.0.1:9", HTTPS_PROXY: "http://127.0.0.1:9", NO_PROXY: "", no_proxy: "" };
  delete process.env["PIP_INDEX_URL"];
});
afterEach(() => {
  process.env = savedEnv;
  process.chdir(savedCwd);
});

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Every file under `dir` with its modification time, to see that nothing was written. */
function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else out[relative(dir, path)] = st.mtimeMs;
    }
  };
  walk(dir);
  return out;
}

describe("examples/ in CI: lock2nix generate --check", () => {
  it("finds every committed output up to date, from the headers alone (no network)", async () => {
    const before = snapshot(EXAMPLES);
    for (const name of ["poetry-app", "pip-app"]) {
      const dir = join(EXAMPLES, name);
      const result = await cli("generate", dir, "-o", join(dir, "lock.nix"), "--check", "--json");
      expect(result.stderr).toBe("");
      expect(result.code, result.stdout).toBe(0);
      const report = JSON.parse(result.stdout) as Report;
      expect(report.projects.map((p) => [p.status, p.decidedBy])).toEqual([["up-to-date", "header"]]);
    }
    process.chdir(join(EXAMPLES, "monorepo"));
    // No PATH: the lock2nix.yaml of the current folder.
    const result = await cli("generate", "--check", "--no-audit");
    expect(result).toEqual({
      code: 0,
      stdout: "",
      stderr: "lock2nix: api: services/api/lock.nix is up to date\nlock2nix: worker: services/worker/lock.nix is up to date\nlock2nix: report: tools/report/lock.nix is up to date\n",
    });
    expect(snapshot(EXAMPLES)).toEqual(before);
  });

  it.skipIf(SHARED_SKIP_REASON)("committed outputs are what generating writes (the pip-compile ones with PyPI's answers from the corpus)", async () => {
    const client = corpusPypiClient();
    for (const job of exampleJobs()) {
      const { nix } = await generate({ ...job.options, client, offline: true, cacheDir: tempDir() });
      expect(nix, job.name).toBe(readFileSync(job.options.output as string, "utf8"));
    }
    // The only questions asked of "PyPI": which file of the pip-compile pins has which hash.
    expect([...new Set(client.asked)].sort()).toContain("python-dateutil 2.9.0.post0");
  });
});

describe("--check on a stale output", () => {
  it("exits 1 with a unified diff, writes nothing, and still decides the current ones from their headers", async () => {
    const repo = tempDir("lock2nix-monorepo-");
    cpSync(join(EXAMPLES, "monorepo"), repo, { recursive: true });
    const config = join(repo, "lock2nix.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace('python: "3.12"', 'python: "3.13"'));
    const before = snapshot(repo);
    process.chdir(repo);
    const result = await cli("generate", "--config", config, "--check", "--offline");
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^--- a\/services\/api\/lock\.nix\n\+\+\+ b\/services\/api\/lock\.nix\n@@ -\d+,\d+ \+\d+,\d+ @@\n(?: .*\n)*-# option python: 3\.12\n\+# option python: 3\.13\n/);
    expect(result.stdout).toContain("\n-# option python: 3.12\n+# option python: 3.13\n");
    expect(result.stdout).toContain("\n-  python ? pkgs.python312,\n+  python ? pkgs.python313,\n");
    expect(result.stderr).toContain("services/api/lock.nix is not what lock2nix would write (diff on standard output)\n");
    expect(result.stderr).toContain("lock2nix: report: ");
    expect(snapshot(repo)).toEqual(before);

    const json = await cli("generate", "--config", config, "--check", "--offline", "--json");
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.mode).toBe("check");
    expect(report.ok).toBe(false);
    expect(report.projects.map((p) => [p.name, p.status, p.decidedBy])).toEqual([
      ["api", "changed", "generate"],
      ["worker", "up-to-date", "header"],
      ["report", "up-to-date", "header"],
    ]);
    expect(report.projects[0]?.staleBecause).toEqual(["option python was `3.12`, now `3.13`"]);
    expect(report.projects[0]?.diff).toContain("+# option python: 3.13\n");
  });

  it("reports an output that does not exist as a diff from /dev/null", async () => {
    const repo = tempDir("lock2nix-monorepo-");
    cpSync(join(EXAMPLES, "monorepo"), repo, { recursive: true });
    const out = join(repo, "services", "worker", "lock.nix");
    const text = readFileSync(out, "utf8");
    writeFileSync(join(repo, "lock2nix.yaml"), readFileSync(join(repo, "lock2nix.yaml"), "utf8").replace("services/worker/lock.nix", "services/worker/new.nix"));
    const result = await cli("generate", "--config", join(repo, "lock2nix.yaml"), "--check", "--offline");
    expect(result.code).toBe(1);
    // Outside the current folder: absolute names.
    expect(result.stdout).toContain(`--- /dev/null\n+++ ${join(repo, "services", "worker", "new.nix")}\n`);
    expect(result.stdout).toContain(`@@ -0,0 +1,${text.split("\n").length - 1} @@\n`);
    expect(result.stderr).toContain("services/worker/new.nix does not exist");
  });

  it("needs an output to compare in single-PATH mode", async () => {
    const result = await cli("generate", join(EXAMPLES, "pip-app"), "--check");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--check compares with an output file: give -o FILE");
  });
});

describe("lock2nix generate with a lock2nix.yaml", () => {
  it.skipIf(SHARED_SKIP_REASON)("writes every project, sharing one client; --json reports packages, artifacts, overrides and warnings", async () => {
    const repo = tempDir("lock2nix-monorepo-");
    cpSync(join(EXAMPLES, "monorepo"), repo, { recursive: true });
    const outputs = ["services/api/lock.nix", "services/worker/lock.nix", "tools/report/lock.nix"].map((o) => join(repo, o));
    const committed = outputs.map((o) => readFileSync(o, "utf8"));
    for (const o of outputs) writeFileSync(o, "stale\n");
    const client = corpusPypiClient();
    const { report } = await runJobs(
      loadConfig(join(repo, "lock2nix.yaml")).projects.map((p) => projectJob(p)),
      { client, offline: true, cwd: repo },
    );
    expect(report.ok).toBe(true);
    expect(outputs.map((o) => readFileSync(o, "utf8"))).toEqual(committed);
    expect(report.projects.map((p) => [p.name, p.status, p.lock, p.output, p.format, p.python, p.systems])).toEqual([
      ["api", "written", "services/api/poetry.lock", "services/api/lock.nix", "poetry", "3.12", ["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"]],
      ["worker", "written", "services/worker/uv.lock", "services/worker/lock.nix", "uv", "3.13", ["aarch64-linux", "x86_64-linux"]],
      ["report", "written", "tools/report/requirements.txt", "tools/report/lock.nix", "requirements", "3.12", ["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"]],
    ]);
    const worker = report.projects[1];
    expect(worker?.packages?.map((p) => p.name)).toEqual(["python-slugify", "tenacity", "text-unidecode"]);
    expect(worker?.packages?.[1]).toEqual({
      name: "tenacity",
      version: "9.1.2",
      systems: Object.fromEntries(
        ["aarch64-linux", "x86_64-linux"].map((s) => [
          s,
          {
            version: "9.1.2",
            kind: "sdist",
            filename: "tenacity-9.1.2.tar.gz",
            url: "https://files.pythonhosted.org/packages/0a/d4/2b0cd0fe285e14b36db076e78c93766ff1d529d70408bd1d2a5a84f1d929/tenacity-9.1.2.tar.gz",
            sha256: "1169d376c297e7de388d18b4481760d478b0e99a777cad3a9c86e556f4b697cb",
          },
        ]),
      ),
    });
    for (const p of report.projects) {
      expect(Array.isArray(p.overrides)).toBe(true);
      expect(Array.isArray(p.warnings)).toBe(true);
    }
  });

  it("--json from the CLI, and refuses per-project flags with a config", async () => {
    const repo = tempDir("lock2nix-monorepo-");
    cpSync(join(EXAMPLES, "monorepo", "services"), join(repo, "services"), { recursive: true });
    writeFileSync(
      join(repo, "lock2nix.yaml"),
      "projects:\n  - name: api\n    lock: services/api\n    output: out/api.nix\n  - name: broken\n    lock: services/nothing\n    output: out/b.nix\n",
    );
    // out/ does not exist: it is made.
    process.chdir(repo);
    const result = await cli("generate", "--json", "--offline");
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.projects.map((p) => [p.name, p.status])).toEqual([
      ["api", "written"],
      ["broken", "failed"],
    ]);
    expect(report.projects[1]?.error).toBe(`${join(repo, "services/nothing")}: no such file or folder`);
    expect(report.projects[0]?.packages?.map((p) => `${p.name} ${p.version}`)).toEqual(["packaging 26.2", "typing-extensions 4.15.0"]);
    expect(report.projects[0]?.overrides).toEqual([]);
    expect(readFileSync(join(repo, "out", "api.nix"), "utf8")).toContain("# option python: 3.14\n");

    const text = await cli("generate", "--offline");
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`lock2nix: error: broken: ${join(repo, "services/nothing")}: no such file or folder\n`);
    expect(text.stderr).toContain("lock2nix: api: wrote out/api.nix\n");

    expect((await cli("generate", "--python", "3.12")).stderr).toContain("--python cannot be used with lock2nix.yaml: set it for each project there");
    expect((await cli("generate", ".", "--config", "lock2nix.yaml")).code).toBe(2);
    writeFileSync(join(repo, "lock2nix.yaml"), "projects:\n  - name: api\n    lock: services/api\n");
    expect(await cli("generate")).toEqual({ code: 1, stdout: "", stderr: `lock2nix: error: ${join(repo, "lock2nix.yaml")}:2:5: projects[0]: missing key \`output\`\n` });
  });
});
