import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { PackageURL } from "packageurl-js";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { DiskCache } from "../../src/index/cache.js";
import { HttpClient } from "../../src/index/http.js";
import { licenseFromPypiJson, pypiLicenses } from "../../src/sbom/licenses.js";
import { sbom } from "../../src/sbom/index.js";
import { generate } from "../../src/generate.js";
import { pypiPurl } from "../../src/sbom/purl.js";
import { startIndexServer, type IndexFile, type IndexServer } from "../support/index-server.js";
import { CORPUS, tempDir, SHARED_SKIP_REASON } from "../helpers.js";
import { readLock } from "../../src/formats/index.js";
import { poetryProject } from "../audit/support.js";

const FAST = { timeoutMs: 2_000, retries: 1, backoffMs: 5 };
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const metadata = (name: string, version: string, lines: string[]) =>
  Buffer.from([`Metadata-Version: 2.4`, `Name: ${name}`, `Version: ${version}`, ...lines, ""].join("\n"));

function file(name: string, version: string, filename: string, meta: string[]): IndexFile {
  return { name, version, filename, content: Buffer.from(`contents of ${filename}`), metadata: metadata(name, version, meta) };
}

const FILES = [
  file("flask", "3.0.0", "flask-3.0.0-py3-none-any.whl", ["License-Expression: BSD-3-Clause"]),
  file("flask", "3.0.0", "flask-3.0.0.tar.gz", ["License-Expression: BSD-3-Clause"]),
  file("itsdangerous", "2.1.2", "itsdangerous-2.1.2.tar.gz", ["Classifier: License :: OSI Approved :: BSD License"]),
  file("blinker", "1.7.0", "blinker-1.7.0.tar.gz", ["License: MIT License"]),
  file("odd-license", "0.1", "odd_license-0.1.tar.gz", ["License: Proprietary, see LICENSE.txt"]),
];
const hashOf = (filename: string) => sha((FILES.find((f) => f.filename === filename) as IndexFile).content);

const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function project() {
  const server = await startIndexServer({ files: FILES });
  servers.push(server);
  const dir = poetryProject([
    { name: "flask", version: "3.0.0", files: ["flask-3.0.0-py3-none-any.whl", "flask-3.0.0.tar.gz"], dependencies: { itsdangerous: ">=2.1.2", blinker: ">=1.6.2" } },
    { name: "itsdangerous", version: "2.1.2", files: ["itsdangerous-2.1.2.tar.gz"] },
    { name: "blinker", version: "1.7.0", files: ["blinker-1.7.0.tar.gz"] },
    { name: "odd-license", version: "0.1", files: ["odd_license-0.1.tar.gz"] },
  ]);
  // poetryProject's fake hashes stand for real files here: use the index's.
  const lockPath = join(dir, "poetry.lock");
  let text = readFileSync(lockPath, "utf8");
  for (const f of FILES) text = text.replace(new RegExp(`(file = "${f.filename.replace(/\./g, "\\.")}", hash = "sha256:)[0-9a-f]{64}`), `$1${hashOf(f.filename)}`);
  (await import("node:fs")).writeFileSync(lockPath, text);
  const cacheDir = tempDir();
  const http = new HttpClient(FAST);
  const licenses = pypiLicenses({ http, cache: new DiskCache(cacheDir), baseUrl: server.url });
  return { server, dir, cacheDir, http, licenses };
}

interface CdxComponent {
  "bom-ref": string;
  name: string;
  version: string;
  purl: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
  externalReferences?: Array<{ type: string; url: string; hashes?: Array<{ alg: string; content: string }> }>;
}

describe("lock2nix sbom", () => {
  it("writes CycloneDX 1.6 JSON that the library's validator accepts, with purls, hashes, sources, licences and the graph", async () => {
    const { server, dir, cacheDir, http, licenses } = await project();
    try {
      const result = await sbom({ path: dir, indexUrl: server.simpleUrl, cacheDir, http: FAST, python: "3.11", systems: ["x86_64-linux"], licenses });
      const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
      expect(await validator.validate(result.json)).toBeNull();
      const doc = JSON.parse(result.json) as {
        bomFormat: string;
        specVersion: string;
        serialNumber: string;
        metadata: { component: { "bom-ref": string; name: string } };
        components: CdxComponent[];
        dependencies: Array<{ ref: string; dependsOn?: string[] }>;
      };
      expect([doc.bomFormat, doc.specVersion]).toEqual(["CycloneDX", "1.6"]);
      expect(doc.metadata.component.name).toBe("shop");
      const byName = new Map(doc.components.map((c) => [c.name, c]));
      expect([...byName.keys()].sort()).toEqual(["blinker", "flask", "itsdangerous", "odd-license"]);
      const flask = byName.get("flask") as CdxComponent;
      expect(flask.purl).toBe("pkg:pypi/flask@3.0.0");
      expect(flask["bom-ref"]).toBe(flask.purl);
      // generate builds from the sdist by default: that is the file the SBOM pins.
      expect(flask.hashes).toEqual([{ alg: "SHA-256", content: hashOf("flask-3.0.0.tar.gz") }]);
      expect(flask.externalReferences).toEqual([
        { type: "distribution", url: server.fileUrl("flask-3.0.0.tar.gz"), comment: "flask-3.0.0.tar.gz", hashes: [{ alg: "SHA-256", content: hashOf("flask-3.0.0.tar.gz") }] },
      ]);
      expect(flask.licenses).toEqual([{ license: { id: "BSD-3-Clause" } }]);
      expect(byName.get("itsdangerous")?.licenses).toEqual([{ license: { id: "BSD-3-Clause" } }]);
      expect(byName.get("blinker")?.licenses).toEqual([{ license: { id: "MIT" } }]);
      expect(byName.get("odd-license")?.licenses).toEqual([{ license: { name: "Proprietary, see LICENSE.txt" } }]);
      const deps = new Map(doc.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
      expect(deps.get("pkg:pypi/flask@3.0.0")).toEqual(["pkg:pypi/blinker@1.7.0", "pkg:pypi/itsdangerous@2.1.2"]);
      expect(deps.get(doc.metadata.component["bom-ref"])).toEqual(["pkg:pypi/flask@3.0.0", "pkg:pypi/odd-license@0.1"]);
      // The same inputs give the same document, serial number included.
      const again = await sbom({ path: dir, indexUrl: server.simpleUrl, cacheDir, http: FAST, python: "3.11", systems: ["x86_64-linux"], licenses });
      expect(again.json).toBe(result.json);
      expect(doc.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      await http.close();
    }
  });

  it("gives the generated Nix the same purl in each derivation's passthru", async () => {
    const { server, dir, cacheDir, http, licenses } = await project();
    try {
      const result = await sbom({ path: dir, indexUrl: server.simpleUrl, cacheDir, http: FAST, python: "3.11", systems: ["x86_64-linux"], licenses });
      const out = join(tempDir(), "python.nix");
      let stderr = "";
      const code = await main(["generate", dir, "--index-url", server.simpleUrl, "--python", "3.11", "--system", "x86_64-linux", "-o", out, "--no-audit", "--no-inspect"], {
        stdout: () => {},
        stderr: (t) => (stderr += t),
      });
      expect([code, stderr]).toEqual([0, ""]);
      const nix = readFileSync(out, "utf8");
      const purls = [...nix.matchAll(/purl = "([^"]+)";/g)].map((m) => m[1]).sort();
      expect(purls).toEqual((JSON.parse(result.json) as { components: CdxComponent[] }).components.map((c) => c.purl).sort());
    } finally {
      await http.close();
    }
  });

  it("writes the SBOM with -o from the command line", async () => {
    const { server, dir } = await project();
    const out = join(tempDir(), "sbom.cdx.json");
    const env = process.env;
    process.env = { ...env, XDG_CACHE_HOME: tempDir() };
    try {
      const code = await main(["sbom", dir, "--index-url", server.simpleUrl, "--python", "3.11", "--system", "x86_64-linux", "-o", out, "-q"], { stdout: () => {}, stderr: () => {} });
      expect(code).toBe(0);
    } finally {
      process.env = env;
    }
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(readFileSync(out, "utf8"))).toBeNull();
  });

  it("takes generate's --no-provenance and --trusted-root, and refuses a missing root or both at once (exit 2)", async () => {
    const { server, dir } = await project();
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (t: string) => void err.push(t) };
    const args = ["sbom", dir, "--index-url", server.simpleUrl, "--python", "3.11", "--system", "x86_64-linux", "-o", join(tempDir(), "sbom.json"), "-q"];
    const env = process.env;
    process.env = { ...env, XDG_CACHE_HOME: tempDir() };
    try {
      expect(await main([...args, "--no-provenance"], io)).toBe(0);
      const missing = join(tempDir(), "no-root.json");
      expect(await main([...args, "--trusted-root", missing], io)).toBe(2);
      expect(err.join("")).toContain(`--trusted-root ${missing}: no such file`);
      const root = join(tempDir(), "root.json");
      writeFileSync(root, "{}");
      expect(await main([...args, "--trusted-root", root, "--no-provenance"], io)).toBe(2);
      expect(err.join("")).toContain("--trusted-root verifies provenance, which --no-provenance turns off");
    } finally {
      process.env = env;
    }
  });
});

describe("purls of packages not from an index", () => {
  const COMMIT = "0123456789abcdef0123456789abcdef01234567";

  it("leave out a version the lock does not give, and name a git source's repository and commit in vcs_url", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "local"));
    writeFileSync(join(dir, "local", "pyproject.toml"), '[project]\nname = "local-pkg"\nversion = "1.2"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n');
    mkdirSync(join(dir, "dyn"));
    writeFileSync(join(dir, "dyn", "pyproject.toml"), '[project]\nname = "dyn-pkg"\ndynamic = ["version"]\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n');
    writeFileSync(join(dir, "requirements.txt"), `local-pkg @ file://${join(dir, "local")}\ndyn-pkg @ file://${join(dir, "dyn")}\ngitdep @ git+https://user:tok@git.example/repo.git@${COMMIT}\n`);
    const common = { path: dir, offline: true, cacheDir: tempDir(), python: "3.11", systems: ["x86_64-linux" as const], inspect: false };
    const result = await sbom({ ...common, output: join(dir, "lock.nix"), licenses: async () => undefined });
    const components = (JSON.parse(result.json) as { components: CdxComponent[] }).components;
    const byName = new Map(components.map((c) => [c.name, c]));
    // A local tree's version is read from its pyproject.toml; a dynamic one is unknown, and left out.
    expect(byName.get("local-pkg")?.purl).toBe("pkg:pypi/local-pkg@1.2");
    expect(byName.get("dyn-pkg")?.purl).toBe("pkg:pypi/dyn-pkg");
    expect(byName.get("dyn-pkg")?.version).toBeUndefined();
    const vcs = `git+https://git.example/repo.git@${COMMIT}`;
    expect(byName.get("gitdep")?.purl).toBe(`pkg:pypi/gitdep?vcs_url=${encodeURIComponent(vcs)}`);
    expect(byName.get("gitdep")?.purl).toBe(new PackageURL("pypi", undefined, "gitdep", undefined, { vcs_url: vcs }, undefined).toString());
    expect(result.json).not.toContain("tok");
    expect(result.json).not.toContain("@0");
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(result.json)).toBeNull();
    // The generated Nix's passthru.purl is the same, so the two join.
    const { nix } = await generate({ ...common, output: join(dir, "lock.nix") });
    expect([...nix.matchAll(/purl = "([^"]+)";/g)].map((m) => m[1]).sort()).toEqual(components.map((c) => c.purl).sort());
  });
});

describe("purls and reported licences", () => {
  it("spells purls as the PyPI purl type says", () => {
    expect(pypiPurl("python-dateutil", "2.9.0.post0")).toBe("pkg:pypi/python-dateutil@2.9.0.post0");
    expect(pypiPurl("Foo_Bar", "1!2.0+local")).toBe("pkg:pypi/foo-bar@1!2.0+local");
  });

  it.skipIf(SHARED_SKIP_REASON)("spells every corpus release's purl as packageurl-js does", () => {
    const releases = ["poetry-poetry", "poetry-jumpserver", "uv-pydantic-ai", "pipenv-paperless-ngx-2022"].flatMap((c) => readLock(join(CORPUS, c)).packages);
    expect(releases.length).toBeGreaterThan(500);
    for (const { name, version } of [...releases, { name: "Foo_Bar.baz", version: "1!2.0+local.7 a" }]) {
      expect(pypiPurl(name, version), `${name} ${version}`).toBe(new PackageURL("pypi", undefined, name, version, undefined, undefined).toString());
    }
  });

  it("reads PEP 639 expressions, short License fields and classifiers, and ignores licence texts", () => {
    expect(licenseFromPypiJson({ info: { license_expression: "MIT OR Apache-2.0", license: "x" } })).toEqual({ expression: "MIT OR Apache-2.0", names: [] });
    expect(licenseFromPypiJson({ info: { license: "Apache 2.0", classifiers: ["License :: OSI Approved :: Apache Software License"] } })).toEqual({
      names: ["Apache 2.0", "Apache Software License"],
    });
    expect(licenseFromPypiJson({ info: { license: "Copyright (c) 2010\n\nPermission is hereby granted...", classifiers: [] } })).toBeUndefined();
    expect(licenseFromPypiJson({ info: { license: "", classifiers: ["License :: OSI Approved :: MIT License"] } })).toEqual({ expression: "MIT", names: [] });
  });
});
