import { readFileSync, writeFileSync } from "node:fs";
import { Ajv } from "ajv";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Lock2nixError } from "../../src/errors.js";
import { main } from "../../src/cli/main.js";
import { generate, type GenerateOptions } from "../../src/generate.js";
import { sbom } from "../../src/sbom/index.js";
import { faultsByPath, startIndexServer, type Fault, type IndexFile, type IndexServer } from "../support/index-server.js";
import { attestedFile, gitlabProvenance, pylockFor, pypiAttestationsProvenance, tampered } from "../support/provenance-fixtures.js";
import { SHARED_SKIP_REASON, tempDir } from "../helpers.js";

// The real provenance objects of ../shared/provenance, served by a loopback index with the
// Integrity API, verified against Sigstore's production root (no trust root is minted here).
const PA = "pypi_attestations-0.0.19.tar.gz";
const GL = "gitlab_oidc_project-0.0.3.tar.gz";
const INTEGRITY = `/integrity/pypi-attestations/0.0.19/${PA}/provenance`;

const servers: IndexServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(files: IndexFile[], script: Record<string, Array<Fault | undefined>> = {}): Promise<IndexServer> {
  const server = await startIndexServer({ files, faults: faultsByPath(script) });
  servers.push(server);
  return server;
}

const FAST = { timeoutMs: 2_000, retries: 1, backoffMs: 5 };
const gen = (options: GenerateOptions) => generate({ cacheDir: tempDir(), python: "3.11", systems: ["x86_64-linux"], http: FAST, inspect: false, ...options });

describe.skipIf(SHARED_SKIP_REASON)("generate verifies PEP 740 provenance from a loopback index", () => {
  const pa = () => attestedFile("pypi-attestations", "0.0.19", PA, pypiAttestationsProvenance());
  const gl = () => attestedFile("gitlab-oidc-project", "0.0.3", GL, gitlabProvenance());

  it("verifies each pinned file and records publisher, commit and log index; a warm --offline run needs no request", async () => {
    const files = [pa(), gl()];
    const server = await serve(files);
    const path = pylockFor(server, files);
    const cacheDir = tempDir();
    const { provenance } = await gen({ path, cacheDir });
    expect(provenance.get("pypi-attestations")).toEqual({
      status: "verified",
      publisher: { kind: "GitHub", repository: "trailofbits/pypi-attestations", workflow: "release.yml" },
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      logIndex: "153454663",
      files: [expect.objectContaining({ filename: PA, status: "verified" })],
    });
    expect(provenance.get("gitlab-oidc-project")).toMatchObject({
      status: "verified",
      publisher: { kind: "GitLab", repository: "facutuesca/gitlab-oidc-project", workflow: ".gitlab-ci.yml" },
    });
    const integrity = server.requests.filter((r) => r.path.startsWith("/integrity/"));
    expect(integrity.map((r) => [r.path, r.accept])).toEqual(
      expect.arrayContaining([[INTEGRITY, "application/vnd.pypi.integrity.v1+json, application/json;q=0.9"]]),
    );
    expect(integrity).toHaveLength(2);
    const before = server.requests.length;
    const warm = await gen({ path, cacheDir, offline: true });
    expect(warm.provenance.get("pypi-attestations")?.status).toBe("verified");
    expect(server.requests.length).toBe(before);
  });

  it("404 is none; 403, 406 and a malformed object are unavailable, with a warning naming package and file", async () => {
    const files = [pa()];
    const cases: Array<[Fault, string, RegExp | undefined]> = [
      [{ status: 404 }, "none", undefined],
      [{ status: 403 }, "unavailable", /pypi-attestations 0\.0\.19: provenance of pypi_attestations-0\.0\.19\.tar\.gz is unavailable \(.*answered HTTP 403\)/],
      [{ status: 406 }, "unavailable", /answered HTTP 406/],
      [{ status: 200, body: '{"version": 1, "attestation_bundles": []}' }, "unavailable", /not a PEP 740 provenance object: `attestation_bundles` must be a non-empty array/],
    ];
    for (const [fault, status, warning] of cases) {
      const server = await serve(files, { [INTEGRITY]: [fault] });
      const { provenance, warnings } = await gen({ path: pylockFor(server, files) });
      expect(provenance.get("pypi-attestations")?.status).toBe(status);
      if (warning) expect(warnings).toContainEqual(expect.stringMatching(warning));
      else expect(warnings.join("\n")).not.toMatch(/provenance/);
    }
  });

  it("offline with nothing cached, provenance is unavailable and nothing is said", async () => {
    const files = [pa()];
    const server = await serve(files);
    const path = pylockFor(server, files);
    const cacheDir = tempDir();
    // Only the page is cached: a run with --no-provenance asks for nothing else.
    await gen({ path, cacheDir, provenance: false });
    expect(server.requests.filter((r) => r.path.startsWith("/integrity/"))).toEqual([]);
    const { provenance, warnings } = await gen({ path, cacheDir, offline: true });
    expect(provenance.get("pypi-attestations")).toMatchObject({ status: "unavailable", files: [{ reason: "--offline, and not in the cache" }] });
    expect(warnings.join("\n")).not.toMatch(/provenance/);
  });

  it("stops on a provenance that does not verify, naming the lock, package, file and reason", async () => {
    const bad = attestedFile("pypi-attestations", "0.0.19", PA, tampered(pypiAttestationsProvenance()));
    const server = await serve([bad]);
    const path = pylockFor(server, [bad]);
    const err = await gen({ path }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Lock2nixError);
    expect((err as Lock2nixError).format()).toBe(
      `${path}: package pypi-attestations: provenance of pypi_attestations-0.0.19.tar.gz does not verify: DSSE payload hash mismatch; refusing to go on`,
    );
  });

  it("stops when the publisher the index names is not the one that signed", async () => {
    const prov = pypiAttestationsProvenance() as { attestation_bundles: Array<{ publisher: Record<string, unknown> }> };
    prov.attestation_bundles[0]!.publisher["repository"] = "evil/pypi-attestations";
    const file = attestedFile("pypi-attestations", "0.0.19", PA, prov);
    const server = await serve([file]);
    await expect(gen({ path: pylockFor(server, [file]) })).rejects.toThrow(
      /provenance of pypi_attestations-0\.0\.19\.tar\.gz does not verify: signed for https:\/\/github\.com\/trailofbits\/pypi-attestations, publisher is evil/,
    );
  });

  it("verifies against --trusted-root: a root that does not hold Sigstore's keys refuses the real bundle", async () => {
    const file = pa();
    const server = await serve([file]);
    const root = join(tempDir(), "trusted_root.json");
    writeFileSync(root, JSON.stringify({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }));
    await expect(gen({ path: pylockFor(server, [file]), trustedRoot: root })).rejects.toThrow(/provenance of pypi_attestations-0\.0\.19\.tar\.gz does not verify/);
  });
});

describe("provenance options on the command line", () => {
  const run = async (args: string[]) => {
    let stderr = "";
    const code = await main(["generate", ...args], { stdout: () => {}, stderr: (t) => (stderr += t) });
    return { code, stderr };
  };

  it("refuses a --trusted-root that does not exist, and one given with --no-provenance (exit 2)", async () => {
    const dir = tempDir();
    expect(await run([dir, "--trusted-root", join(dir, "nope.json")])).toEqual({ code: 2, stderr: expect.stringContaining(`--trusted-root ${join(dir, "nope.json")}: no such file`) });
    writeFileSync(join(dir, "root.json"), "{}");
    expect(await run([dir, "--trusted-root", join(dir, "root.json"), "--no-provenance"])).toEqual({
      code: 2,
      stderr: expect.stringContaining("--trusted-root verifies provenance, which --no-provenance turns off: give one"),
    });
  });
});

describe.skipIf(SHARED_SKIP_REASON)("a verified publisher is recorded", () => {
  it("in the Nix file's passthru.provenance, escaped by the Nix builder", async () => {
    const file = attestedFile("pypi-attestations", "0.0.19", PA, pypiAttestationsProvenance());
    const server = await serve([file]);
    const { nix } = await gen({ path: pylockFor(server, [file]) });
    expect(nix).toMatch(
      /passthru = \{\n\s+provenance = \{\n\s+commit = "[0-9a-f]{40}";\n\s+publisher = \{\n\s+kind = "GitHub";\n\s+repository = "trailofbits\/pypi-attestations";\n\s+workflow = "release\.yml";\n\s+\};\n\s+status = "verified";\n\s+transparencyLogIndex = "153454663";\n\s+\};\n\s+purl = "pkg:pypi\/pypi-attestations@0\.0\.19";/,
    );
  });

  it("in generate --json, which its schema accepts, and in the SBOM's properties", async () => {
    const file = attestedFile("pypi-attestations", "0.0.19", PA, pypiAttestationsProvenance());
    const server = await serve([file]);
    const path = pylockFor(server, [file]);
    const env = process.env;
    process.env = { ...env, XDG_CACHE_HOME: tempDir() };
    try {
      let stdout = "";
      const io = { stdout: (t: string) => (stdout += t), stderr: () => {} };
      expect(await main(["generate", path, "-o", join(tempDir(), "out.nix"), "--json", "--no-inspect", "--python", "3.11"], io)).toBe(0);
      const report = JSON.parse(stdout);
      const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(import.meta.dirname, "../../schema/generate-report.schema.json"), "utf8")));
      expect(validate(report) ? [] : validate.errors).toEqual([]);
      expect(report.projects[0].packages[0].provenance).toMatchObject({
        status: "verified",
        publisher: { kind: "GitHub", repository: "trailofbits/pypi-attestations", workflow: "release.yml" },
        logIndex: "153454663",
        files: [{ filename: PA, status: "verified" }],
      });
      // The library call: the CLI's sbom would download the sdist (a stand-in here) to inspect it.
      const bom = await sbom({ path, python: "3.11", systems: ["x86_64-linux"], inspect: false, cacheDir: tempDir(), http: FAST });
      const component = JSON.parse(bom.json).components.find((c: { name: string }) => c.name === "pypi-attestations");
      expect(component.properties).toEqual(
        expect.arrayContaining([
          { name: "lock2nix:provenance:status", value: "verified" },
          { name: "lock2nix:provenance:publisher:kind", value: "GitHub" },
          { name: "lock2nix:provenance:publisher:repository", value: "trailofbits/pypi-attestations" },
          { name: "lock2nix:provenance:publisher:workflow", value: "release.yml" },
          { name: "lock2nix:provenance:transparency-log-index", value: "153454663" },
        ]),
      );
    } finally {
      process.env = env;
    }
  });
});

describe.skipIf(SHARED_SKIP_REASON)("pylock.toml attestation-identities", () => {
  const file = () => attestedFile("pypi-attestations", "0.0.19", PA, pypiAttestationsProvenance());
  const failure = async (path: string) => {
    const err = await gen({ path }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Lock2nixError);
    return (err as Lock2nixError).format();
  };

  it("accepts a file attested by a publisher the lock names (repository compared case-insensitively)", async () => {
    const f = file();
    const server = await serve([f]);
    const ids = '{ kind = "GitHub", repository = "TrailOfBits/pypi-attestations", workflow = "release.yml" }';
    const { provenance } = await gen({ path: pylockFor(server, [f], { "pypi-attestations": ids }) });
    expect(provenance.get("pypi-attestations")?.status).toBe("verified");
  });

  it("stops on a publisher none of them matches, naming both", async () => {
    const f = file();
    const server = await serve([f]);
    const path = pylockFor(server, [f], { "pypi-attestations": '{ kind = "GitHub", repository = "trailofbits/pypi-attestations", workflow = "publish.yml" }' });
    expect(await failure(path)).toBe(
      `${path}: package pypi-attestations: provenance of ${PA} does not verify: attested by kind=GitHub repository=trailofbits/pypi-attestations workflow=release.yml, which none of the lock's attestation-identities (kind=GitHub repository=trailofbits/pypi-attestations workflow=publish.yml) matches; refusing to go on`,
    );
  });

  it("stops when the lock names identities and the index serves no attestation (404)", async () => {
    const f = file();
    const server = await serve([f], { [INTEGRITY]: [{ status: 404 }] });
    const path = pylockFor(server, [f], { "pypi-attestations": '{ kind = "GitHub", repository = "trailofbits/pypi-attestations" }' });
    expect(await failure(path)).toMatch(/say it was attested, and the index serves no attestation for it; refusing to go on$/);
  });

  it("refuses an identity whose values are not strings, naming the entry", async () => {
    const f = file();
    const server = await serve([f]);
    const path = pylockFor(server, [f], { "pypi-attestations": '{ kind = "GitHub", repository = 3 }' });
    expect(await failure(path)).toMatch(/attestation-identities #1: `repository` must be a string$/);
  });
});
