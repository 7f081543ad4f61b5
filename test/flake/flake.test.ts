// The repository as a flake input, and the project template it ships, with
// Nix 2.8's experimental flakes and nixpkgs replaced by the stand-in in
// test/nix/nixpkgs (`--override-input nixpkgs path:…`). Flakes only see
// files git knows, and the checkout's own git is not the test's to touch: the
// tests copy the repository into a fresh git repository of their own.

import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../src/generate.js";
import { NIX_SKIP_REASON, tempDir } from "../helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
const STAND_IN = join(ROOT, "test", "nix", "nixpkgs");
const SYSTEMS = ["aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux"];
const FLAKES = ["--extra-experimental-features", "nix-command flakes"];

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const nix = (cwd: string, ...args: string[]) => run("nix", [...FLAKES, ...args], cwd);

/** A git repository holding `files` (copied from the checkout), every file added, no commit. */
function gitRepo(dir: string): string {
  run("git", ["init", "-q"], dir);
  run("git", ["add", "-A"], dir);
  return dir;
}

/** The checkout, less what git ignores here, as a git repository of the test's own. */
function copyOfRepository(): string {
  const dir = tempDir("lock2nix-flake-");
  const skip = new Set(["node_modules", "dist", ".git"]);
  for (const name of readdirSync(ROOT)) {
    if (skip.has(name) || name === "result" || name.startsWith("result-")) continue;
    cpSync(join(ROOT, name), join(dir, name), { recursive: true, filter: (src) => basename(src) !== "node_modules" });
  }
  return gitRepo(dir);
}

/**
 * The stand-in with what it lacks for the CLI package: buildNpmPackage and
 * importNpmLock, as stubs that check the arguments lock2nix's flake gives
 * them and make a derivation of the right name.
 */
function standInWithNpmStubs(): string {
  const dir = tempDir("lock2nix-npm-stubs-");
  writeFileSync(
    join(dir, "flake.nix"),
    `{
  inputs.standin.url = "path:${STAND_IN}";
  outputs = { self, standin }: {
    inherit (standin) lib;
    legacyPackages = builtins.mapAttrs (system: pkgs: pkgs.extend (final: prev: {
      importNpmLock = {
        __functor = _: { npmRoot, ... }:
          assert builtins.pathExists (npmRoot + "/package-lock.json");
          final.runCommand "npm-deps-stub" { } "mkdir $out";
        npmConfigHook = final.makeSetupHook { name = "import-npm-lock-config-hook-stub"; } "true";
      };
      buildNpmPackage = { pname, version, src, npmDeps, npmConfigHook, meta ? { }, ... }:
        assert npmDeps.name == "npm-deps-stub";
        assert npmConfigHook.name == "import-npm-lock-config-hook-stub";
        assert builtins.pathExists (src + "/package-lock.json");
        final.stdenv.mkDerivation {
          inherit pname version src;
          nativeBuildInputs = [ npmConfigHook ];
          buildCommand = "mkdir -p $out/bin && touch $out/bin/\${meta.mainProgram}";
        };
    })) standin.legacyPackages;
  };
}
`,
  );
  return gitRepo(dir);
}

interface ShowJson {
  [output: string]: Record<string, Record<string, { type?: string; name?: string; description?: string }>>;
}

describe.skipIf(NIX_SKIP_REASON)("the flake, against the stand-in for nixpkgs", () => {
  let repo: string;
  const override = ["--override-input", "nixpkgs", `path:${STAND_IN}`];

  beforeAll(() => {
    repo = copyOfRepository();
  });

  it("shows its outputs for the four systems", () => {
    const show = JSON.parse(nix(repo, "flake", "show", "--json", ...override)) as ShowJson;
    expect(Object.keys(show).sort()).toEqual(["apps", "checks", "lib", "overlays", "packages", "templates"]);
    expect(Object.keys(show["checks"] ?? {}).sort()).toEqual(SYSTEMS);
    for (const system of SYSTEMS) {
      const checks = show["checks"]?.[system] ?? {};
      const expected = ["monorepo-api", "monorepo-api-app", "monorepo-report", "pip-app", "poetry-app", "poetry-app-app", ...(system.endsWith("-linux") ? ["monorepo-worker"] : [])];
      expect(Object.keys(checks).sort()).toEqual(expected.sort());
      expect(checks["poetry-app"]).toEqual({ type: "derivation", name: "python3-3.14.0-env" });
      expect(checks["monorepo-api"]).toEqual({ type: "derivation", name: "python3-3.12.0-env" });
      // An example that is a project: its app too.
      expect(checks["poetry-app-app"]).toEqual({ type: "derivation", name: "poetry-app-0.1.0" });
      // The stand-in has no buildNpmPackage: the CLI's package and app are left out, nothing fails.
      expect(show["packages"]?.[system]).toEqual({});
      expect(show["apps"]?.[system]).toEqual({});
    }
    expect(show["overlays"]).toEqual({ default: { type: "nixpkgs-overlay" } });
    expect(show["templates"]).toEqual({ default: { type: "template", description: "A Python project built from its lockfile with lock2nix" } });
  });

  it("passes nix flake check --no-build: every example's environment instantiates on every system", () => {
    nix(repo, "flake", "check", "--no-build", ...override);
  });

  it("builds the CLI with buildNpmPackage and importNpmLock where nixpkgs has them (stubbed here)", () => {
    const withStubs = ["--override-input", "nixpkgs", `git+file://${standInWithNpmStubs()}`];
    const show = JSON.parse(nix(repo, "flake", "show", "--json", ...withStubs)) as ShowJson;
    for (const system of SYSTEMS) {
      expect(show["packages"]?.[system]).toEqual({
        default: { type: "derivation", name: "lock2nix-0.1.0" },
        lock2nix: { type: "derivation", name: "lock2nix-0.1.0" },
      });
      expect(show["apps"]?.[system]).toEqual({ default: { type: "app" } });
      expect(show["checks"]?.[system]?.["lock2nix"]).toEqual({ type: "derivation", name: "lock2nix-0.1.0" });
    }
    nix(repo, "flake", "check", "--no-build", ...withStubs);
    const program = JSON.parse(nix(repo, "eval", "--json", ...withStubs, ".#apps.x86_64-linux.default.program")) as string;
    expect(program).toMatch(/^\/nix\/store\/[a-z0-9]{32}-lock2nix-0\.1\.0\/bin\/lock2nix$/);
  });

  it("lib.mkPythonSet imports a generated file with pkgs, python and overrides; overlays.default adds lock2nix", () => {
    // The flake's outputs function called directly (no flake machinery), with the stand-in as nixpkgs.
    const expr = (body: string) => `
      let
        standin = import ${STAND_IN}/flake.nix;
        nixpkgs = standin.outputs { self = nixpkgs; };
        flake = (import ${repo}/flake.nix).outputs { inherit self nixpkgs; };
        self = flake // { outPath = ${repo}; };
        pkgs = nixpkgs.legacyPackages.x86_64-linux;
        generated = ${repo}/examples/monorepo/services/api/lock.nix;
      in ${body}`;
    const evalJson = (body: string) =>
      JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expr(body)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    expect(evalJson(`(flake.lib.mkPythonSet { inherit pkgs generated; }).python.pythonVersion`)).toBe("3.12");
    expect(evalJson(`builtins.attrNames (flake.lib.mkPythonSet { inherit pkgs generated; }).packages`)).toEqual(["api", "packaging", "typing-extensions"]);
    // The project's own outputs: its script as the app, an editable dev shell per group.
    expect(evalJson(`(flake.lib.mkPythonSet { inherit pkgs generated; }).app.meta.mainProgram`)).toBe("api");
    expect(evalJson(`builtins.attrNames (flake.lib.mkPythonSet { inherit pkgs generated; }).devShells`)).toEqual(["main"]);
    // An imported file works as well as its path; `overrides` extends the package set.
    expect(
      evalJson(`(flake.lib.mkPythonSet { inherit pkgs; generated = import generated; overrides = final: prev: { extra = prev.packaging.version; }; }).packages.extra`),
    ).toBe("26.2");
    expect(evalJson(`(flake.lib.mkPythonSet { inherit pkgs generated; python = pkgs.python312; }).env.name`)).toBe("python3-3.12.0-env");
    // The file checks the interpreter it is given.
    const wrong = spawnSync("nix-instantiate", ["--eval", "--strict", "--expr", expr(`(flake.lib.mkPythonSet { inherit pkgs generated; python = pkgs.python311; }).env.name`)], {
      encoding: "utf8",
    });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain("this file was generated for python 3.12 but was given python 3.11");
    // The overlay's package is lazy: present without being evaluated, so any nixpkgs takes it.
    expect(evalJson(`(pkgs.extend flake.overlays.default) ? lock2nix`)).toBe(true);
  });
});

describe.skipIf(NIX_SKIP_REASON)("the CLI package's npm registry, given by whoever builds", () => {
  const REGISTRY = "http://registry.invalid/npm/";
  const evalJson = (expr: string) => JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "--expr", expr], { encoding: "utf8", cwd: ROOT }));
  const lockExpr = `builtins.fromJSON (builtins.readFile ${ROOT}/package-lock.json)`;

  it("names no registry in the repository's package-lock.json", () => {
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { resolved?: string }> };
    expect(Object.values(lock.packages).filter((p) => p.resolved !== undefined)).toEqual([]);
  });

  it("gives every package npm's tarball URL on that registry, the path npm itself fetched it from", () => {
    const resolved = evalJson(`builtins.mapAttrs (_: m: m.resolved or null) (import ${ROOT}/nix/npm-registry.nix "${REGISTRY}" (${lockExpr})).packages`) as Record<string, string | null>;
    expect(resolved[""]).toBeNull();
    expect(resolved["node_modules/@cyclonedx/cyclonedx-library"]).toMatch(/^http:\/\/registry\.invalid\/npm\/@cyclonedx\/cyclonedx-library\/-\/cyclonedx-library-[^/]+\.tgz$/);
    // npm's own cache holds what `npm ci` fetched, keyed by URL: each of those paths is the one computed here.
    const cache = join(process.env["npm_config_cache"] ?? join(homedir(), ".npm"), "_cacache", "index-v5");
    const fetched = new Set<string>();
    for (const f of readdirSync(cache, { recursive: true }) as string[]) {
      const path = join(cache, f);
      if (!statSync(path).isFile()) continue;
      for (const m of readFileSync(path, "latin1").matchAll(/"key":"make-fetch-happen:request-cache:https?:\/\/[^/"]+\/((?:@[^/"]+\/)?[^/"]+\/-\/[^/"]+\.tgz)"/g)) fetched.add(m[1] as string);
    }
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { optional?: boolean }> };
    const installed = Object.entries(lock.packages).filter(([path, p]) => path !== "" && !p.optional);
    expect(installed.length).toBeGreaterThan(50);
    const missing = installed.map(([path]) => (resolved[path] as string).slice(REGISTRY.length)).filter((p) => !fetched.has(p));
    expect(missing).toEqual([]);
  });

  it("nix/cli.nix gives importNpmLock the registry's lock when given npmRegistry (as `.override` does), the lock as it is without", () => {
    const call = (registry: string) => `
      let
        stub = {
          lib = { optionalAttrs = c: a: if c then a else { }; licenses = { }; };
          buildNpmPackage = args: args;
          importNpmLock = { __functor = _: args: args; npmConfigHook = "hook"; };
        };
      in (import ${ROOT}/nix/cli.nix (stub // ${registry})).npmDeps`;
    const given = evalJson(`let d = ${call(`{ npmRegistry = "${REGISTRY}"; }`)}; in { root = builtins.baseNameOf d.npmRoot; undici = d.packageLock.packages."node_modules/undici".resolved; }`);
    expect(given.undici).toMatch(/^http:\/\/registry\.invalid\/npm\/undici\/-\/undici-[^/]+\.tgz$/);
    expect(evalJson(`builtins.attrNames (${call("{ }")})`)).toEqual(["npmRoot"]);
  });
});

describe.skipIf(NIX_SKIP_REASON)("the flake template", () => {
  it("nix flake init -t gives a flake that, with a generated lock.nix, shows and checks", async () => {
    const repo = copyOfRepository();
    // `nix flake init -t` evaluates the template's flake, which needs its inputs locked: pin nixpkgs to the stand-in.
    nix(repo, "flake", "lock", "--override-input", "nixpkgs", `path:${STAND_IN}`);
    run("git", ["add", "flake.lock"], repo);

    const project = tempDir("lock2nix-template-");
    nix(project, "flake", "init", "-t", `git+file://${repo}#default`);
    expect(readdirSync(project).sort()).toEqual(["README.md", "flake.nix"]);
    // The example project itself beside the template, as a user's project would be.
    for (const f of ["pyproject.toml", "poetry.lock", "poetry_app"]) cpSync(join(ROOT, "examples", "poetry-app", f), join(project, f), { recursive: true });
    const { nix: text } = await generate({ path: project, output: join(project, "lock.nix"), offline: true, cacheDir: tempDir() });
    writeFileSync(join(project, "lock.nix"), text);
    gitRepo(project);

    const inputs = ["--override-input", "nixpkgs", `path:${STAND_IN}`, "--override-input", "lock2nix", `git+file://${repo}`];
    const show = JSON.parse(nix(project, "flake", "show", "--json", ...inputs)) as ShowJson;
    for (const system of SYSTEMS) {
      expect(show["packages"]?.[system]).toEqual({
        default: { type: "derivation", name: "poetry-app-0.1.0" },
        // The container image of the app, on Linux only.
        ...(system.endsWith("-linux") ? { image: { type: "derivation", name: "poetry-app.tar.gz" } } : {}),
      });
      expect(show["apps"]?.[system]).toEqual({ default: { type: "app" } });
      expect(show["devShells"]?.[system]).toEqual({ default: { type: "derivation", name: "nix-shell" } });
    }
    const program = JSON.parse(nix(project, "eval", "--json", ...inputs, ".#apps.x86_64-linux.default.program")) as string;
    expect(program).toMatch(/^\/nix\/store\/[a-z0-9]{32}-poetry-app-0\.1\.0\/bin\/poetry-app$/);
    nix(project, "flake", "check", "--no-build", ...inputs);
  });
});

if (NIX_SKIP_REASON) {
  describe("the flake", () => {
    it.skip(`skipped: ${NIX_SKIP_REASON}`, () => {});
  });
}
