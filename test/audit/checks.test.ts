import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { audit, auditLock, type AuditOptions, type Finding } from "../../src/audit/index.js";
import { readLock } from "../../src/formats/index.js";
import { startIndexServer, type IndexFile, type IndexServer } from "../support/index-server.js";
import { tempDir } from "../helpers.js";
import { hashed, poetryProject, requirementsProject, sha } from "./support.js";

const FAST = { timeoutMs: 2_000, retries: 1, backoffMs: 5 };
const run = (options: AuditOptions) => audit({ cacheDir: tempDir(), http: FAST, offline: true, ...options });
const brief = (findings: Finding[]) => findings.map((f) => `${f.severity} ${f.rule} ${f.package}`);

describe("pinning", () => {
  it("reports a pip-compile file without --generate-hashes: nothing pins the files", () => {
    const dir = requirementsProject(["certifi==2024.2.2\n    # via requests", "requests==2.31.0\n    # via -r requirements.in"]);
    const findings = auditLock(readLock(dir));
    expect(brief(findings.filter((f) => f.kind === "unpinned"))).toEqual(["medium unpinned/no-sha256 certifi", "medium unpinned/no-sha256 requests"]);
    expect(findings[0]?.message).toContain("trust on first use");
  });

  it("finds nothing to pin in a --generate-hashes file", () => {
    const dir = requirementsProject([hashed("requests", "2.31.0", ["requests-2.31.0-py3-none-any.whl", "requests-2.31.0.tar.gz"])]);
    expect(auditLock(readLock(dir)).filter((f) => f.kind === "unpinned")).toEqual([]);
  });

  it("reports an http:// index and a direct URL without a hash", () => {
    const dir = requirementsProject(
      ["flask==3.0.0\n    # via -r requirements.in", "tool @ https://example.com/dist/tool-1.0.tar.gz\n    # via -r requirements.in"],
      ["--index-url http://pypi.internal.example/simple", ""],
    );
    const findings = auditLock(readLock(dir));
    expect(brief(findings.filter((f) => f.kind === "unpinned"))).toEqual([
      "high unpinned/insecure-url flask",
      "high unpinned/url-without-sha256 tool",
      "medium unpinned/no-sha256 flask",
    ]);
    expect(findings.find((f) => f.rule === "unpinned/insecure-url")?.message).toBe(
      "its index http://pypi.internal.example/simple is not https: anyone on the network path can change what is downloaded",
    );
  });

  it("reports a git requirement that names a branch, not a commit", async () => {
    const dir = requirementsProject(["django-q @ git+https://github.com/paperless-ngx/django-q.git@main\n    # via -r requirements.in"]);
    const result = await run({ path: dir });
    expect(brief(result.findings)).toEqual(["high unpinned/git-not-full-commit django-q"]);
    expect(result.findings[0]?.message).toContain("found `main`");
  });

  it("turns a lock pinned by md5 into a high finding instead of an error", async () => {
    const dir = requirementsProject([`six==1.16.0 \\\n    --hash=md5:${"a".repeat(32)}\n    # via -r requirements.in`]);
    const result = await run({ path: dir });
    expect(result.lock).toBeUndefined();
    expect(brief(result.findings)).toEqual(["high unpinned/weak-hash "]);
    expect(result.findings[0]?.message).toContain("uses md5");
  });
});

describe("sources", () => {
  it("reports a private index, a direct URL wheel and a path outside the project, as poetry locks them", () => {
    const dir = poetryProject([
      { name: "acme-billing", version: "2.3.0", files: ["acme_billing-2.3.0-py3-none-any.whl"], source: { type: "legacy", url: "https://pypi.acme.example/simple", reference: "acme" } },
      {
        name: "en-core-web-sm",
        version: "3.7.1",
        files: ["en_core_web_sm-3.7.1-py3-none-any.whl"],
        source: { type: "url", url: "https://github.com/explosion/spacy-models/releases/download/en_core_web_sm-3.7.1/en_core_web_sm-3.7.1-py3-none-any.whl" },
      },
      { name: "shared-utils", version: "0.4.0", files: [], source: { type: "directory", url: "../shared-utils" } },
      { name: "requests", version: "2.31.0", files: ["requests-2.31.0-py3-none-any.whl", "requests-2.31.0.tar.gz"] },
    ]);
    const findings = auditLock(readLock(dir)).filter((f) => f.kind === "source");
    expect(brief(findings)).toEqual([
      "medium source/local-path-outside shared-utils",
      "low source/non-pypi-index acme-billing",
      "low source/direct-url en-core-web-sm",
    ]);
    expect(findings[1]?.message).toBe("comes from index https://pypi.acme.example/simple (acme), not PyPI: that index decides what the name means");
  });

  describe("dependency confusion, against two loopback indexes", () => {
    const servers: IndexServer[] = [];
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });
    const file = (name: string, version: string, filename: string, content = `contents of ${filename}`): IndexFile => ({ name, version, filename, content: Buffer.from(content) });

    it("flags a private name that the public index also serves, and not a mirrored one", async () => {
      const privateIndex = await startIndexServer({
        files: [file("acme-billing", "2.3.0", "acme_billing-2.3.0-py3-none-any.whl"), file("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl")],
      });
      // The public side: someone registered acme-billing there; six is the same project (same file).
      const publicIndex = await startIndexServer({
        files: [file("acme-billing", "99.0.0", "acme_billing-99.0.0-py3-none-any.whl"), file("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl")],
      });
      servers.push(privateIndex, publicIndex);
      const contents = (f: string) => sha(`contents of ${f}`);
      const dir = requirementsProject(
        [
          `acme-billing==2.3.0 \\\n    --hash=sha256:${contents("acme_billing-2.3.0-py3-none-any.whl")}\n    # via -r requirements.in`,
          `six==1.16.0 \\\n    --hash=sha256:${contents("six-1.16.0-py2.py3-none-any.whl")}\n    # via -r requirements.in`,
        ],
        [`--index-url ${privateIndex.simpleUrl}`, `--extra-index-url ${publicIndex.simpleUrl}`, ""],
      );
      const result = await run({ path: dir, offline: false, osvDb: emptyOsvDb() });
      const confusion = result.findings.filter((f) => f.rule === "source/dependency-confusion");
      expect(brief(confusion)).toEqual(["high source/dependency-confusion acme-billing"]);
      expect(confusion[0]?.message).toMatch(/also has a project named acme-billing, without this version: a higher version published there could be installed instead$/);
      expect(result.skipped).toEqual([]);
    });
  });
});

describe("build risk", () => {
  it("reports sdist-only packages, notes sdists built by default, and honours --prefer-wheels", () => {
    const dir = poetryProject([
      { name: "pyyaml", version: "6.0.1", files: ["PyYAML-6.0.1.tar.gz"] },
      { name: "markupsafe", version: "2.1.5", files: ["MarkupSafe-2.1.5.tar.gz", "MarkupSafe-2.1.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"] },
      { name: "idna", version: "3.6", files: ["idna-3.6-py3-none-any.whl"] },
    ]);
    return (async () => {
      const findings = (await run({ path: dir, networkAtBuild: () => undefined })).findings.filter((f) => f.kind === "build-risk");
      expect(brief(findings)).toEqual(["low build-risk/sdist-only pyyaml", "info build-risk/sdist markupsafe"]);
      const wheels = (await run({ path: dir, preferWheels: true, networkAtBuild: () => undefined })).findings.filter((f) => f.kind === "build-risk");
      expect(brief(wheels)).toEqual(["low build-risk/sdist-only pyyaml"]);
    })();
  });

  it("reports what the override library marks network-at-build (matplotlib's bundled freetype download)", async () => {
    const dir = poetryProject([{ name: "matplotlib", version: "3.8.4", files: ["matplotlib-3.8.4.tar.gz"] }]);
    const findings = (await run({ path: dir })).findings.filter((f) => f.rule === "build-risk/network-at-build");
    expect(brief(findings)).toEqual(["medium build-risk/network-at-build matplotlib"]);
    expect(findings[0]?.message).toMatch(/^its build downloads files, which the Nix sandbox forbids \(the override library marks it network-at-build: .*freetype/);
  });
});

/** An export folder with one advisory about a package no test locks. */
function emptyOsvDb(): string {
  const dir = tempDir("lock2nix-osv-");
  writeFileSync(join(dir, "PYSEC-0000-0.json"), JSON.stringify({ id: "PYSEC-0000-0", affected: [{ package: { ecosystem: "PyPI", name: "nothing-here" }, versions: ["1.0"] }] }));
  return dir;
}
