import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { emitNix } from "../../../src/emit/index.js";
import { Lock2nixError } from "../../../src/errors.js";
import type { LockInput } from "../../../src/formats/types.js";
import { readLock } from "../../../src/formats/index.js";
import { readUvLock } from "../../../src/formats/uv/index.js";
import type { Lock } from "../../../src/model.js";
import { resolveLock } from "../../../src/resolve/index.js";
import { CORPUS, corpusCases, tempDir, SHARED_SKIP_REASON } from "../../helpers.js";

/** What readLock would give the reader for `dir/uv.lock`. */
function inputIn(dir: string): LockInput {
  const path = join(dir, "uv.lock");
  return {
    text: readFileSync(path, "utf8"),
    path,
    readSibling: (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), "utf8") : undefined),
    siblingPath: (name) => join(dir, name),
  };
}

const read = (dir: string): Lock => readUvLock(inputIn(dir));

function lockDir(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof Lock2nixError) return err.format().replace(/^.*\/uv\.lock/, "uv.lock");
    throw err;
  }
  throw new Error("expected an error");
}

/** Resolves for two systems and renders Nix, as `generate` does. */
function generateFor(lock: Lock, options: { python?: string; groups?: string[]; extras?: string[] } = {}) {
  const resolution = resolveLock(lock, { systems: ["x86_64-linux", "aarch64-darwin"], ...options });
  const nix = emitNix(lock, resolution, { outputDir: dirname(lock.file), recordedOptions: {} });
  return { resolution, nix };
}

const SIX_SDIST = "1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926";
const SIX_WHEEL = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";
const SHA = "7fc59da2c4dff919db2095a0f0e47101b657131d";

const HEAD = `version = 1\nrevision = 3\nrequires-python = ">=3.9"\n`;
const APP = (deps = '    { name = "six" },\n', extra = "") => `
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
${deps}]
${extra}`;
const SIX = (body = "", version = "1.16.0") => `
[[package]]
name = "six"
version = "${version}"
source = { registry = "https://pypi.org/simple" }
${body}sdist = { url = "https://files.pythonhosted.org/packages/71/39/six-${version}.tar.gz", hash = "sha256:${SIX_SDIST}", size = 34041 }
wheels = [
    { url = "https://files.pythonhosted.org/packages/d9/5a/six-${version}-py2.py3-none-any.whl", hash = "sha256:${SIX_WHEEL}", size = 11053 },
]
`;

describe.skipIf(SHARED_SKIP_REASON)("uv.lock reader on the corpus", () => {
  it.each(corpusCases("uv-"))("%s reads, resolves and renders", (name) => {
    const lock = read(join(CORPUS, name));
    expect(lock.format).toBe("uv");
    expect(lock.packages.length).toBeGreaterThan(0);
    expect(lock.root.groups["main"]?.length).toBeGreaterThan(0);
    for (const pkg of lock.packages) {
      expect(pkg.name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
      for (const a of pkg.artifacts) {
        expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(a.filename).not.toContain("/");
      }
    }
    const { resolution, nix } = generateFor(lock);
    expect(resolution.groups.get("main")?.get("x86_64-linux")?.length).toBeGreaterThan(0);
    // Every file the Nix fetches is one the lock names, with the lock's hash.
    const hashes = new Map(lock.packages.flatMap((p) => p.artifacts.map((a) => [a.url, a.sha256] as const)));
    const fetched = [...nix.matchAll(/url = "([^"]+)";\n\s+hash = "sha256-([^"]+)";/g)];
    expect(fetched.length).toBeGreaterThan(0);
    for (const [, url, sri] of fetched) {
      expect(hashes.get(url), url).toBe(Buffer.from(sri as string, "base64").toString("hex"));
    }
  });

  it("reads the git source of uv-pydantic-ai with its commit", () => {
    const lock = read(join(CORPUS, "uv-pydantic-ai"));
    const pkg = lock.packages.find((p) => p.name === "strict-no-cover");
    expect(pkg?.source).toEqual({ kind: "git", url: "https://github.com/pydantic/strict-no-cover.git", commit: SHA, ref: SHA });
    expect(pkg?.artifacts).toEqual([]);
    const { nix } = generateFor(lock);
    expect(nix).toContain(`rev = "${SHA}"`);
  });

  it("builds uv-pydantic-ai's workspace members from their folders", () => {
    const lock = read(join(CORPUS, "uv-pydantic-ai"));
    const members = lock.packages.filter((p) => p.source.kind === "directory");
    expect(members.map((p) => [p.name, p.source])).toEqual([
      ["clai", { kind: "directory", path: "clai", editable: true }],
      // The project itself is a package too, because clai depends on it.
      ["pydantic-ai", { kind: "directory", path: ".", editable: true }],
      ["pydantic-ai-examples", { kind: "directory", path: "examples", editable: true }],
      ["pydantic-ai-slim", { kind: "directory", path: "pydantic_ai_slim", editable: true }],
      ["pydantic-evals", { kind: "directory", path: "pydantic_evals", editable: true }],
      ["pydantic-graph", { kind: "directory", path: "pydantic_graph", editable: true }],
    ]);
    // Their versions are dynamic (uv-dynamic-versioning): the lock has none.
    expect(members.every((p) => p.version === "0")).toBe(true);
    expect(lock.root.name).toBe("pydantic-ai");
    expect(lock.root.groups["main"]).toEqual([
      { name: "pydantic-ai-slim", extras: ["anthropic", "cli", "evals", "google", "logfire", "mcp", "openai", "web"] },
    ]);
    expect(Object.keys(lock.root.groups).sort()).toEqual(["dev", "lint", "main"]);
    expect(lock.root.extras["examples"]).toEqual([{ name: "pydantic-ai-examples", extras: [] }]);
    expect(lock.root.requiresPython).toEqual([">=3.10"]);
    expect(lock.lockVersion).toBe("1, revision 3");
    const { resolution } = generateFor(lock);
    expect(resolution.packages.get("pydantic-ai-slim")?.get("x86_64-linux")?.source).toMatchObject({
      kind: "path",
      path: join(CORPUS, "uv-pydantic-ai", "pydantic_ai_slim"),
      format: "directory",
    });
  });

  it("decides uv-pydantic-ai's conflict markers and says how", () => {
    const lock = read(join(CORPUS, "uv-pydantic-ai"));
    expect(lock.warnings).toEqual([
      "uv.lock declares extras and groups that cannot be installed together (pydantic-ai:dev with pydantic-ai-slim[mcp-tasks]; pydantic-ai[mcp-tasks] with pydantic-ai:dev); " +
        "lock2nix does not support conflicting extras/groups together and reads the lock as if pydantic-ai:dev were installed and pydantic-ai-slim[mcp-tasks], pydantic-ai[mcp-tasks] were not",
    ]);
    const examples = lock.packages.find((p) => p.name === "pydantic-ai-examples");
    // mcp 1.28.1 is the dev group's; 2.0.0 (for the mcp-tasks extras) is left out.
    expect(examples?.dependencies.filter((d) => d.name === "mcp")).toEqual([
      { name: "mcp", extras: ["cli"], version: "1.28.1", source: { kind: "index", url: "https://pypi.org/simple" } },
    ]);
    // The project's own extra stays an extra the resolver decides.
    expect(lock.root.extras["mcp-tasks"]).toEqual([{ name: "pydantic-ai-slim", extras: ["mcp-tasks"], marker: 'extra == "mcp-tasks"' }]);
    expect(lock.packages.filter((p) => p.name === "mcp").map((p) => [p.version, p.marker])).toEqual([
      ["1.28.1", undefined],
      ["2.0.0", undefined],
    ]);
    const { resolution } = generateFor(lock);
    expect(resolution.packages.get("mcp")?.get("x86_64-linux")?.version).toBe("1.28.1");
  });

  it("reads uv-flask's forks as one entry per version, each with its environments", () => {
    const lock = read(join(CORPUS, "uv-flask"));
    expect(lock.packages.filter((p) => p.name === "sphinx").map((p) => [p.version, p.marker])).toEqual([
      ["8.1.3", 'python_full_version < "3.11"'],
      ["8.2.3", 'python_full_version >= "3.12" or python_full_version == "3.11.*"'],
    ]);
    expect(lock.root.groups["docs"]?.filter((d) => d.name === "sphinx").map((d) => [d.version, d.marker])).toEqual([
      ["8.1.3", 'python_full_version < "3.11"'],
      ["8.2.3", 'python_full_version >= "3.11"'],
    ]);
    // Packages in every fork carry no marker.
    expect(lock.packages.find((p) => p.name === "alabaster")?.marker).toBeUndefined();
    expect(lock.packages.some((p) => p.name === "flask")).toBe(false);
    expect(lock.root.name).toBe("flask");
    expect(lock.root.groups["main"]?.map((d) => d.name)).toEqual(["blinker", "click", "itsdangerous", "jinja2", "markupsafe", "werkzeug"]);
    expect(lock.root.extras).toEqual({ async: [{ name: "asgiref", extras: [] }], dotenv: [{ name: "python-dotenv", extras: [] }] });
    expect(Object.keys(lock.root.groups).sort()).toEqual(["dev", "docs", "docs-auto", "gha-update", "main", "pre-commit", "tests", "typing"]);
    const sphinxOn = (python: string) => generateFor(lock, { python }).resolution.packages.get("sphinx")?.get("x86_64-linux")?.version;
    expect(sphinxOn("3.10")).toBe("8.1.3");
    expect(sphinxOn("3.12")).toBe("8.2.3");
  });

  it("takes uv-aws-lambda-example's virtual root as the project, not a package", () => {
    const lock = read(join(CORPUS, "uv-aws-lambda-example"));
    expect(lock.lockVersion).toBe("1");
    expect(lock.packages.some((p) => p.name === "uv-aws-lambda-example")).toBe(false);
    expect(lock.root).toEqual({
      name: "uv-aws-lambda-example",
      requiresPython: [">=3.13"],
      groups: {
        main: [{ name: "fastapi", extras: [] }, { name: "mangum", extras: [] }],
        dev: [{ name: "fastapi", extras: ["standard"] }],
      },
      extras: {},
    });
    expect(lock.warnings).toEqual([]);
  });

  it("keeps uv-jumpserver's private registry URL and its URL archives", () => {
    const lock = read(join(CORPUS, "uv-jumpserver"));
    const adal = lock.packages.find((p) => p.name === "adal");
    expect(adal?.source).toEqual({ kind: "index", url: "https://mirrors.aliyun.com/pypi/simple" });
    expect(adal?.artifacts).toContainEqual({
      filename: "adal-1.2.7.tar.gz",
      sha256: "d74f45b81317454d96e982fd1c50e6fb5c99ac2223728aea8764433a39f566f1",
      url: "https://mirrors.aliyun.com/pypi/packages/90/d7/a829bc5e8ff28f82f9e2dc9b363f3b7b9c1194766d5a75105e3885bfa9a8/adal-1.2.7.tar.gz",
    });
    const ansible = lock.packages.find((p) => p.name === "ansible-core");
    expect(ansible?.source).toEqual({ kind: "url", url: "https://github.com/jumpserver-dev/ansible/archive/refs/tags/v2.16.18.3.zip" });
    expect(ansible?.artifacts).toEqual([
      {
        filename: "v2.16.18.3.zip",
        sha256: "539c00b75066960ba8c5002195f556713fb933559638f6e958b68ae163636a82",
        url: "https://github.com/jumpserver-dev/ansible/archive/refs/tags/v2.16.18.3.zip",
      },
    ]);
    expect(lock.root.name).toBe("jumpserver");
    expect(lock.packages.some((p) => p.name === "jumpserver")).toBe(false);
    const { nix } = generateFor(lock);
    expect(nix).toContain('url = "https://mirrors.aliyun.com/pypi/packages/');
  });
});

describe("uv.lock reader on small locks", () => {
  it("reads a virtual workspace root: every member is installed", () => {
    const dir = lockDir({
      "uv.lock": `${HEAD}
[manifest]
members = ["lib-a", "tool-b"]

[[package]]
name = "lib-a"
version = "0.1.0"
source = { editable = "packages/lib-a" }
dependencies = [
    { name = "six", marker = "sys_platform == 'linux'" },
]

[package.optional-dependencies]
fast = [
    { name = "six" },
]

[package.dev-dependencies]
test = [
    { name = "six" },
]

[[package]]
name = "tool-b"
version = "0.1.0"
source = { virtual = "tools/b" }
dependencies = [
    { name = "lib-a", extra = ["fast"], marker = "python_version >= '3.10'" },
]
${SIX()}`,
    });
    const lock = read(dir);
    expect(lock.packages.map((p) => p.name)).toEqual(["lib-a", "six"]);
    expect(lock.root.name).toBeUndefined();
    expect(lock.root.groups).toEqual({
      main: [
        { name: "lib-a", extras: [] },
        { name: "lib-a", extras: ["fast"], marker: 'python_version >= "3.10"' },
      ],
      test: [{ name: "six", extras: [] }],
    });
    expect(lock.root.extras).toEqual({ fast: [{ name: "lib-a", extras: ["fast"] }] });
    expect(lock.packages[0]?.dependencies).toEqual([{ name: "six", extras: [], marker: 'sys_platform == "linux"' }]);
    // The member's folder is not there: the resolver says which path it looked for.
    expect(() => generateFor(lock)).toThrow(
      `lib-a 0.1.0 is a local directory dependency at packages/lib-a, which does not exist (looked for ${join(dir, "packages/lib-a")})`,
    );
    mkdirSync(join(dir, "packages/lib-a"), { recursive: true });
    expect(generateFor(lock).resolution.groups.get("main")?.get("x86_64-linux")).toEqual(["lib-a", "six"]);
  });

  it("inlines a virtual package's dependencies where it is depended on", () => {
    const dir = lockDir({
      "uv.lock": `${HEAD}${APP('    { name = "helpers", marker = "os_name == \'posix\'" },\n')}
[[package]]
name = "helpers"
version = "0.1.0"
source = { virtual = "helpers" }
dependencies = [
    { name = "six", marker = "sys_platform == 'darwin'" },
]
${SIX()}`,
    });
    expect(read(dir).root.groups["main"]).toEqual([{ name: "six", extras: [], marker: 'os_name == "posix" and sys_platform == "darwin"' }]);
  });

  it("reads local archives, a local registry, git with a tag and subdirectory, and URLs with a subdirectory", () => {
    const dir = lockDir({
      "uv.lock": `${HEAD}${APP('    { name = "local-sdist" },\n    { name = "local-wheel" },\n    { name = "from-git" },\n    { name = "from-url" },\n    { name = "six" },\n')}
[[package]]
name = "from-git"
version = "1.0"
source = { git = "https://github.com/org/repo?subdirectory=pkgs%2Fone&tag=v1.0#${SHA}" }

[[package]]
name = "from-url"
version = "2.0"
source = { url = "https://example.com/files/from%20url-2.0.tar.gz", subdirectory = "src" }
sdist = { hash = "sha256:${SIX_SDIST}" }

[[package]]
name = "local-sdist"
version = "1.0"
source = { path = "dist/local_sdist-1.0.tar.gz" }
sdist = { hash = "sha256:${SIX_SDIST}" }

[[package]]
name = "local-wheel"
version = "1.0"
source = { path = "dist/local_wheel-1.0-py3-none-any.whl" }
wheels = [
    { filename = "local_wheel-1.0-py3-none-any.whl", hash = "sha256:${SIX_WHEEL}" },
]

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "wheels" }
sdist = { path = "sub/six-1.16.0.tar.gz", hash = "sha256:${SIX_SDIST}" }
wheels = [
    { path = "six-1.16.0-py2.py3-none-any.whl", hash = "sha256:${SIX_WHEEL}" },
]
`,
    });
    const lock = read(dir);
    const byName = new Map(lock.packages.map((p) => [p.name, p]));
    expect(byName.get("from-git")?.source).toEqual({
      kind: "git",
      url: "https://github.com/org/repo",
      commit: SHA,
      ref: "v1.0",
      subdirectory: "pkgs/one",
    });
    expect(byName.get("from-url")?.source).toEqual({ kind: "url", url: "https://example.com/files/from%20url-2.0.tar.gz", subdirectory: "src" });
    expect(byName.get("from-url")?.artifacts).toEqual([
      { filename: "from url-2.0.tar.gz", sha256: SIX_SDIST, url: "https://example.com/files/from%20url-2.0.tar.gz" },
    ]);
    expect(byName.get("local-sdist")?.source).toEqual({ kind: "file", path: "dist/local_sdist-1.0.tar.gz" });
    expect(byName.get("local-sdist")?.artifacts).toEqual([{ filename: "local_sdist-1.0.tar.gz", sha256: SIX_SDIST }]);
    expect(byName.get("local-wheel")?.artifacts).toEqual([{ filename: "local_wheel-1.0-py3-none-any.whl", sha256: SIX_WHEEL }]);
    expect(byName.get("six")?.source).toEqual({ kind: "file", path: "wheels/sub/six-1.16.0.tar.gz" });
    expect(byName.get("six")?.artifacts).toEqual([{ filename: "six-1.16.0.tar.gz", sha256: SIX_SDIST }]);
    expect(lock.warnings).toEqual(["six 1.16.0 comes from a local registry: it is built from its sdist, and its 1 wheel(s) are not used"]);
    expect(() => generateFor(lock)).toThrow(/local-sdist 1\.0 is a local file dependency at dist\/local_sdist-1\.0\.tar\.gz, which does not exist/);
  });

  it("reads a package's own conflicting extras as extras, and warns of assumed ones", () => {
    const dir = lockDir({
      "uv.lock": `${HEAD}conflicts = [[
    { package = "app", extra = "old" },
    { package = "app", extra = "new" },
]]
${APP(
  "",
  `
[package.optional-dependencies]
new = [
    { name = "six", version = "1.16.0", source = { registry = "https://pypi.org/simple" }, marker = "extra == 'extra-3-app-new'" },
]
old = [
    { name = "six", version = "1.15.0", source = { registry = "https://pypi.org/simple" }, marker = "extra == 'extra-3-app-old'" },
]
`,
)}${SIX("", "1.15.0")}${SIX()}`,
    });
    const lock = read(dir);
    expect(lock.root.extras["old"]).toEqual([
      { name: "six", extras: [], marker: 'extra == "old"', version: "1.15.0", source: { kind: "index", url: "https://pypi.org/simple" } },
    ]);
    // Only the project's own extras appear: nothing is assumed, so nothing is said.
    expect(lock.warnings).toEqual([]);
    const six = (extras: string[]) => generateFor(lock, { extras }).resolution.packages.get("six")?.get("x86_64-linux")?.version;
    expect(six(["old"])).toBe("1.15.0");
    expect(six(["new"])).toBe("1.16.0");
  });

  it("honours [tool.uv] conflicts: conflicting extras are refused together, a conflicting default group is left out", () => {
    const optional = `
[package.optional-dependencies]
new = [{ name = "six", version = "1.16.0", source = { registry = "https://pypi.org/simple" } }]
old = [{ name = "six", version = "1.15.0", source = { registry = "https://pypi.org/simple" } }]

[package.dev-dependencies]
legacy = [{ name = "six", version = "1.15.0", source = { registry = "https://pypi.org/simple" } }]
`;
    // An older uv wrote the sets only in pyproject.toml.
    const dir = lockDir({
      "uv.lock": `${HEAD}${APP("", optional)}${SIX("", "1.15.0")}${SIX()}`,
      "pyproject.toml": '[project]\nname = "app"\n[tool.uv]\nconflicts = [[{ extra = "old" }, { extra = "new" }], [{ extra = "new" }, { group = "legacy" }]]\n',
    });
    const lock = read(dir);
    expect(lock.root.conflicts).toEqual([
      [{ kind: "extra", name: "old" }, { kind: "extra", name: "new" }],
      [{ kind: "extra", name: "new" }, { kind: "group", name: "legacy" }],
    ]);
    expect(() => generateFor(lock, { extras: ["old", "new"] })).toThrow("extra `old` and extra `new` conflict");
    const withNew = generateFor(lock, { extras: ["new"] }).resolution;
    expect([...withNew.groups.keys()]).toEqual(["main"]);
    expect(withNew.warnings).toContain("group `legacy` conflicts with extra `new` (the lock's `conflicts`): envs.legacy is left out");
    expect(() => generateFor(lock, { extras: ["new"], groups: ["legacy"] })).toThrow("group `legacy` conflicts with extra `new`");
    expect([...generateFor(lock, { extras: ["old"] }).resolution.groups.keys()]).toEqual(["legacy", "main"]);
  });

  it("honours [tool.uv] no-build, no-build-package and no-binary-package", () => {
    const lockText = `${HEAD}${APP('    { name = "six" },\n    { name = "pip" },\n')}${SIX()}${SIX().replaceAll("six", "pip")}`;
    const only = (tool: string) =>
      read(lockDir({ "uv.lock": lockText, "pyproject.toml": `[project]\nname = "app"\n[tool.uv]\n${tool}\n` })).packages.map((p) => [p.name, p.only]);
    expect(only("no-build = true")).toEqual([["pip", "wheel"], ["six", "wheel"]]);
    expect(only('no-build-package = ["six"]\nno-binary-package = ["pip"]')).toEqual([["pip", "sdist"], ["six", "wheel"]]);
    expect(() => only("no-build = true\nno-binary = true")).toThrow(/six 1\.16\.0: pyproject.toml's \[tool.uv\] forbids both building it \(no-build\) and using its wheels/);
    const lock = read(lockDir({ "uv.lock": lockText, "pyproject.toml": '[project]\nname = "app"\n[tool.uv]\nno-build = true\n' }));
    const six = generateFor(lock).resolution.packages.get("six")?.get("x86_64-linux");
    expect(JSON.stringify(six?.source)).toContain("six-1.16.0-py2.py3-none-any.whl");
  });

  it("gives a source tree with a dynamic version the version 0, and reads dev groups and [manifest] requirements", () => {
    const dir = lockDir({
      "uv.lock": `${HEAD}
[manifest]
requirements = [{ name = "six", specifier = ">=1.15" }]

[manifest.dependency-groups]
lint = [{ name = "six", marker = "python_version < '3.12'" }]

[[package]]
name = "tool"
source = { directory = "tool" }
${SIX()}`,
    });
    const lock = read(dir);
    expect(lock.packages.find((p) => p.name === "tool")).toMatchObject({ version: "0", source: { kind: "directory", path: "tool", editable: false } });
    expect(lock.root.groups).toEqual({
      main: [{ name: "six", extras: [], specifier: ">=1.15" }],
      lint: [{ name: "six", extras: [], marker: 'python_version < "3.12"' }],
    });
  });

  it("builds the project itself when one of its groups asks for it", () => {
    const dir = lockDir({
      "uv.lock": `${HEAD}${APP(
        "",
        `
[package.optional-dependencies]
test = [
    { name = "six" },
]

[package.dev-dependencies]
dev = [
    { name = "app", extra = ["test"] },
]
`,
      )}${SIX()}`,
    });
    const lock = read(dir);
    expect(lock.packages.find((p) => p.name === "app")).toMatchObject({
      version: "0.1.0",
      source: { kind: "directory", path: ".", editable: true },
      extras: { test: [{ name: "six", extras: [] }] },
    });
    expect(lock.root.groups).toEqual({ main: [], dev: [{ name: "app", extras: ["test"] }] });
    expect(generateFor(lock).resolution.groups.get("dev")?.get("x86_64-linux")).toEqual(["app", "six"]);
  });

  it("warns when the lock covers only some environments", () => {
    const dir = lockDir({ "uv.lock": `${HEAD}supported-markers = ["sys_platform == 'linux'"]\n${APP()}${SIX()}` });
    expect(read(dir).warnings).toEqual(['uv.lock was resolved only for the environments sys_platform == "linux": targets outside them may lack packages']);
  });

  it("reads a PEP 723 script's lock (example.py.lock), also one with no dependencies", () => {
    const dir = lockDir({
      "example.py.lock": 'version = 1\nrequires-python = ">=3.12"\n\n[manifest]\nrequirements = [{ name = "six" }]\n\n' + SIX(),
      "empty.py.lock": 'version = 1\nrequires-python = ">=3.12"\n',
    });
    const lock = readLock(join(dir, "example.py.lock"));
    expect(lock.packages.map((p) => p.name)).toEqual(["six"]);
    expect(lock.root.groups["main"]?.map((d) => d.name)).toEqual(["six"]);
    const empty = readLock(join(dir, "empty.py.lock"));
    expect([empty.packages, empty.root.groups["main"] ?? []]).toEqual([[], []]);
  });

  it("reads uv 0.2's [[distribution]] entries", () => {
    const dir = lockDir({ "uv.lock": `version = 1\nrequires-python = ">=3.9"\n${(APP() + SIX()).replaceAll("[[package]]", "[[distribution]]")}` });
    expect(read(dir).packages.map((p) => p.name)).toEqual(["six"]);
  });
});

describe("uv.lock reader errors", () => {
  const OK = HEAD + APP() + SIX();
  it.each([
    ["an unknown version", OK.replace("version = 1\n", "version = 2\n"), "uv.lock: unsupported uv.lock version 2: lock2nix reads uv.lock version 1, revisions 1 to 3 (and older files without one)"],
    ["a revision beyond 3", OK.replace("revision = 3", "revision = 4"), "uv.lock: unsupported uv.lock revision 4: lock2nix reads uv.lock version 1, revisions 1 to 3 (and older files without one)"],
    ["a version that is not an integer", OK.replace("version = 1\n", 'version = "1"\n'), 'uv.lock: top level: `version` must be an integer, found string "1"'],
    ["TOML that does not parse", 'version = 1\n[[package]\nname = "x"\n', "uv.lock:2:11: not valid TOML: expected end of table array declaration"],
    ["a package without a name", OK.replace('name = "six"\n', ""), "uv.lock:13: package #2: [[package]] #2: `name` must be a string, found nothing"],
    ["a name that is not a package name", OK.replace('\nname = "six"', '\nname = "six!"'), "uv.lock:13: package six!: [[package]] six!: `six!` is not a valid package name (PEP 508: letters, digits and -_. inside)"],
    ["a registry package without a version", OK.replace('version = "1.16.0"\n', ""), "uv.lock:13: package six: [[package]] six: `version` must be a string, found nothing"],
    [
      "a registry package with neither sdist nor wheels",
      OK.replace(/sdist = .*\n/, "").replace(/wheels = \[[^\]]*\]\n/s, ""),
      "uv.lock:13: package six: six 1.16.0 lists no files: a package from a registry needs an sdist or a wheel",
    ],
    [
      "a hash that is not sha256",
      OK.replace(`sha256:${SIX_WHEEL}`, "sha512:abcd"),
      "uv.lock:13: package six: [[package]] six: hash `sha512:abcd` is not a sha256 (expected `sha256:<64 hex digits>`)",
    ],
    ["a package without a source", OK.replace(/source = \{ registry[^\n]*\n/, ""), "uv.lock:13: package six: [[package]] six: `source` must be a table, found nothing"],
    [
      "a source of no known kind",
      OK.replace('source = { registry = "https://pypi.org/simple" }', 'source = { svn = "x" }'),
      "uv.lock:13: package six: [[package]] six: `source` must have exactly one of registry, git, url, path, directory, editable, virtual, found none",
    ],
    [
      "a git source without its commit",
      OK.replace('source = { registry = "https://pypi.org/simple" }', 'source = { git = "https://example.com/six.git?rev=main" }'),
      "uv.lock:13: package six: [[package]] six: git source https://example.com/six.git?rev=main must name its commit after `#` (40 hex digits), found nothing",
    ],
    [
      "a URL source without a hash",
      OK.replace('source = { registry = "https://pypi.org/simple" }', 'source = { url = "https://example.com/six.tar.gz" }').replace(/sdist = .*\n/, "").replace(/wheels = \[[^\]]*\]\n/s, ""),
      "uv.lock:13: package six: six 1.16.0 gives no hash for https://example.com/six.tar.gz: a package from a URL needs its sha256",
    ],
    [
      "a registry file without a URL",
      OK.replace(/sdist = \{ url = "[^"]*", /, "sdist = { "),
      "uv.lock:13: package six: [[package]] six: the sdist must give `url`, found only its hash",
    ],
    ["dependencies that are not an array", OK.replace('dependencies = [\n    { name = "six" },\n]', 'dependencies = "six"'), 'uv.lock:5: package app: [[package]] app: `dependencies` must be an array, found string "six"'],
    [
      "a bad dependency marker",
      OK.replace('{ name = "six" }', "{ name = \"six\", marker = \"python_version <\" }"),
      "uv.lock:5: package app: [[package]] app, dependencies `six`: invalid marker: Expected a marker variable or quoted string\n    python_version <\n                    ^",
    ],
    ["a dependency without a name", OK.replace('{ name = "six" }', '{ version = "1.16.0" }'), "uv.lock:5: package app: [[package]] app, dependencies: `name` must be a string, found nothing"],
    [
      "a workspace member without an entry",
      OK.replace("\n[[package]]", '\n[manifest]\nmembers = ["app", "gone"]\n\n[[package]]'),
      "uv.lock: [manifest] names the workspace member `gone`, which has no [[package]] entry with a local source",
    ],
    [
      "no project at all",
      HEAD + SIX(),
      'uv.lock: uv.lock names no project: no package has the source `editable = "."` or `virtual = "."`, and [manifest] names no members or requirements',
    ],
    [
      "malformed conflicts",
      OK.replace("\n[[package]]", '\nconflicts = [["app"]]\n\n[[package]]'),
      "uv.lock: `conflicts` must be an array of arrays of tables {package, extra} or {package, group}",
    ],
  ])("%s", (_what, text, expected) => {
    expect(errorOf(() => read(lockDir({ "uv.lock": text })))).toBe(expected);
  });
});
