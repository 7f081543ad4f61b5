import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sniffFormat } from "../../src/formats/stdin.js";
import { formats } from "../../src/formats/index.js";
import type { FormatId } from "../../src/model.js";
import { runCli } from "../support/cli.js";
import { CORPUS, corpusCases } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const APP = join(ROOT, "examples", "poetry-app");
const savedCwd = process.cwd();
afterEach(() => process.chdir(savedCwd));

const PREFIX: Record<string, FormatId> = { poetry: "poetry", uv: "uv", pdm: "pdm", pylock: "pylock", pipenv: "pipenv", reqs: "requirements" };

describe("the lock format from content alone", () => {
  it.each([
    ["poetry", '[[package]]\nname = "a"\nversion = "1"\n\n[metadata]\nlock-version = "2.0"\ncontent-hash = "0"\n'],
    ["uv", 'version = 1\nrevision = 2\nrequires-python = ">=3.11"\n\n[[package]]\nname = "a"\n'],
    ["pdm", '[metadata]\ngroups = ["default"]\nlock_version = "4.4"\ncontent_hash = "sha256:0"\n'],
    ["pylock", 'lock-version = "1.0"\ncreated-by = "pip"\n[[packages]]\nname = "a"\n'],
    ["pipenv", '{"_meta": {"pipfile-spec": 6}, "default": {}, "develop": {}}'],
    ["requirements", "# via pip-compile\n\nsix==1.16.0 \\\n    --hash=sha256:00\n"],
    ["requirements", "--index-url https://mirror.example/simple\nsix==1.16.0\n"],
    ["requirements", "-r base.txt\n"],
  ])("tells %s", (format, text) => {
    expect(sniffFormat(text)).toBe(format);
  });

  it.each([[""], ["hello world\n"], ['[tool.other]\nx = 1\n'], ['{"default": {}}'], ["{not json"]])("does not guess from %j", (text) => {
    expect(sniffFormat(text)).toBeUndefined();
  });

  it.each(corpusCases("").filter((n) => n.includes("-")))("tells the format of the real lock %s", (name) => {
    const format = PREFIX[name.split("-")[0] as string] as FormatId;
    const dir = join(CORPUS, name);
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
      format === "requirements" ? f.endsWith(".txt") && f !== "SOURCE.txt" : formats[format].fileNames.includes(f) || /^pylock\..+\.toml$/.test(f),
    );
    expect(files.length, name).toBeGreaterThan(0);
    const sniffed = files.map((f) => [f, sniffFormat(readFileSync(join(dir, f), "utf8"))]);
    expect(sniffed.filter(([, s]) => s !== format)).toEqual([]);
  });
});

describe("generate -", () => {
  const lockText = () => readFileSync(join(APP, "poetry.lock"), "utf8");

  it("reads the lock from standard input, the files beside it from the current folder, and names it <stdin>", async () => {
    process.chdir(APP);
    const r = await runCli(["generate", "-", "-o", "-", "--offline", "--quiet"], {}, lockText());
    expect(r.code, r.stderr).toBe(0);
    const committed = readFileSync(join(APP, "lock.nix"), "utf8");
    // Only the name the header gives the lock differs from the committed output.
    expect(r.stdout).toBe(committed.replace("from poetry.lock.", "from <stdin>."));
  });

  it("takes --format over the content, and says where a malformed lock from standard input is wrong", async () => {
    process.chdir(APP);
    const bad = await runCli(["generate", "-", "--format", "uv", "--offline"], {}, lockText());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("lock2nix: error: <stdin>: unsupported uv.lock version (none): lock2nix reads uv.lock version 1, revisions 1 to 3 (and older files without one)\n");
    // TOML that does not parse tells no format: --format lets the reader say where it breaks.
    const broken = await runCli(["generate", "-", "--offline", "--format", "poetry"], {}, `${lockText()}\n[[package]\n`);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^lock2nix: error: <stdin>:103:\d+: not valid TOML/);
  });

  it("refuses input whose format nothing tells, and empty input, as wrong usage", async () => {
    const unknown = await runCli(["generate", "-", "--offline"], {}, "hello world\n");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "lock2nix: error: standard input: cannot tell the lock format from its content; pass --format (one of poetry, uv, pdm, pylock, pipenv, requirements)\nRun `lock2nix help generate` for usage.\n",
    );
    const empty = await runCli(["generate", "-", "--offline"], {}, "");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("`-` reads the lockfile from standard input, which is empty");
  });

  it("works for audit and sbom too", async () => {
    process.chdir(APP);
    const audit = await runCli(["audit", "-", "--offline", "--output-format", "json"], {}, lockText());
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ schemaVersion: 1 });
    const sbom = await runCli(["sbom", "-", "--offline"], {}, lockText());
    expect(sbom.code, sbom.stderr).toBe(0);
    expect(JSON.parse(sbom.stdout)).toMatchObject({ bomFormat: "CycloneDX" });
  });
});
