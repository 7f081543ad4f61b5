/**
 * `npm run bench [-- --json]`: generates Nix for a synthetic lock of 1,000
 * packages against a loopback index that adds 50 ms to every response,
 * cold (empty cache) and warm (cache filled), through the real CLI.
 * Names and file names are those of real releases in ../shared/corpus,
 * filled up with real project names from ../shared/data.
 * BENCH_KEEP=1 keeps the project and cache and prints the warm command, to
 * profile it; BENCH_NODE_FLAGS passes flags to the measured runs.
 * One release in five has an attested sdist (a minted Sigstore instance's, verified under
 * --trusted-root); BENCH_NO_PROVENANCE=1 runs with --no-provenance instead.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import TOML from "@iarna/toml";
import { startIndexServer, type IndexFile } from "../test/support/index-server.js";
import { removeTempDirs, tempDir } from "../test/helpers.js";
import { mintSigstore } from "../test/support/sigstore-mint.js";

const ROOT = join(import.meta.dirname, "..");
const SHARED = join(ROOT, "..", "shared");
const PACKAGES = 1000;
const DELAY_MS = 50;
const JOBS = 16;
/** Warm runs measured; the median is reported, as one run on a shared machine is noisy. */
const WARM_RUNS = 5;
/** One release in this many has an attested sdist (a guess at PyPI's share among popular projects). */
const ATTESTED_EVERY = 5;

const normalize = (n: string) => n.replace(/[-_.]+/g, "-").toLowerCase();

interface Release {
  name: string;
  version: string;
  files: string[];
}

/** Real releases and their file names from the corpus's poetry, uv and pdm locks. */
function corpusReleases(): Release[] {
  const byName = new Map<string, Release>();
  const corpus = join(SHARED, "corpus");
  for (const dir of readdirSync(corpus).sort()) {
    for (const lockName of ["poetry.lock", "uv.lock", "pdm.lock"]) {
      let text: string;
      try {
        text = readFileSync(join(corpus, dir, lockName), "utf8");
      } catch {
        continue;
      }
      const doc = TOML.parse(text) as { package?: Array<Record<string, any>> };
      for (const p of doc.package ?? []) {
        const files: string[] = (p["files"] ?? []).map((f: { file: string }) => f.file);
        for (const w of p["wheels"] ?? []) files.push(decodeURIComponent(String(w.url).split("/").pop() ?? ""));
        if (p["sdist"]?.url) files.push(decodeURIComponent(String(p["sdist"].url).split("/").pop() ?? ""));
        const name = normalize(String(p["name"]));
        // Some real locks list a file of another version (django-cas-ng 4.3.0 with 4.3.2.zip): an index would not.
        const version = String(p["version"]);
        files.splice(0, files.length, ...files.filter((f) => f.includes(`-${version}-`) || f.includes(`-${version}.`)));
        if (files.length > 0 && !byName.has(name)) byName.set(name, { name, version: String(p["version"]), files: [...new Set(files)] });
      }
    }
  }
  return [...byName.values()];
}

function syntheticReleases(): Release[] {
  const releases = corpusReleases();
  const counts = releases.map((r) => r.files.length);
  const taken = new Set(releases.map((r) => r.name));
  const top = readFileSync(join(SHARED, "data", "top-pypi-packages.csv"), "utf8").split("\n").slice(1);
  for (const line of top) {
    if (releases.length >= PACKAGES) break;
    const name = normalize(line.split(",")[1]?.replace(/"/g, "") ?? "");
    if (!name || taken.has(name)) continue;
    taken.add(name);
    const dist = name.replace(/-/g, "_");
    const n = counts[releases.length % counts.length] ?? 1;
    const wheels = Array.from({ length: n - 1 }, (_, i) => `${dist}-1.0.0-cp3${10 + (i % 4)}-cp3${10 + (i % 4)}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`);
    releases.push({ name, version: "1.0.0", files: [`${dist}-1.0.0.tar.gz`, ...new Set(wheels)] });
  }
  return releases.slice(0, PACKAGES);
}

/** A minimal real sdist (ustar, gzipped) holding `<top>/pyproject.toml`, so inspection has something to read. */
function tarGz(top: string): Buffer {
  const body = Buffer.from('[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n');
  const header = Buffer.alloc(512);
  header.write(`${top}/pyproject.toml`.slice(0, 99), 0);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const padded = Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
  return gzipSync(Buffer.concat([header, padded, Buffer.alloc(1024)]));
}

function writeProject(releases: Release[], files: Map<string, string>): string {
  const dir = tempDir("lock2nix-bench-");
  const blocks = releases.map(
    (r) => `[[package]]\nname = "${r.name}"\nversion = "${r.version}"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = [\n${r.files
      .map((f) => `    {file = "${f}", hash = "sha256:${files.get(f)}"},`)
      .join("\n")}\n]\n`,
  );
  writeFileSync(join(dir, "poetry.lock"), `${blocks.join("\n")}\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.12"\ncontent-hash = "0"\n`);
  writeFileSync(
    join(dir, "pyproject.toml"),
    `[tool.poetry]\nname = "bench"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.12"\n${releases.map((r) => `${r.name} = "*"`).join("\n")}\n`,
  );
  return dir;
}

async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; rssMB: number }> {
  const started = process.hrtime.bigint();
  // BENCH_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the measured runs.
  const flags = (process.env["BENCH_NODE_FLAGS"] ?? "").split(" ").filter((f) => f !== "");
  const child = spawn(process.execPath, [...flags, "--import", join(ROOT, "bench", "report-rss.mjs"), join(ROOT, "bin", "lock2nix.js"), ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`lock2nix failed (${code}):\n${stderr}`);
  const rss = /LOCK2NIX_BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
  return { seconds, rssMB: rss ? Number(rss[1]) / 1024 : Number.NaN };
}

async function main(): Promise<void> {
  const json = process.argv.includes("--json");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  const releases = syntheticReleases();
  const indexFiles: IndexFile[] = [];
  const hashes = new Map<string, string>();
  // Every ATTESTED_EVERY-th release's sdist carries PEP 740 provenance, signed by a minted Sigstore.
  const sigstore = mintSigstore();
  let attested = 0;
  for (const [i, r] of releases.entries()) {
    for (const filename of r.files) {
      const content = filename.endsWith(".tar.gz") ? tarGz(filename.slice(0, -".tar.gz".length)) : Buffer.from(`${filename}\n`);
      const sha256 = createHash("sha256").update(content).digest("hex");
      hashes.set(filename, sha256);
      const withProvenance = i % ATTESTED_EVERY === 0 && filename.endsWith(".tar.gz");
      if (withProvenance) attested++;
      const publisher = { kind: "GitHub" as const, repository: `bench/${r.name}`, workflow: "release.yml" };
      indexFiles.push({ name: r.name, version: r.version, filename, content, ...(withProvenance ? { provenance: sigstore.provenance({ filename, sha256, publisher }) } : {}) });
    }
  }
  const trustedRoot = join(tempDir("lock2nix-bench-root-"), "trusted_root.json");
  writeFileSync(trustedRoot, JSON.stringify(sigstore.trustedRoot));
  const dir = writeProject(releases, hashes);
  const server = await startIndexServer({ files: indexFiles, delayMs: DELAY_MS });
  try {
    const env = { ...process.env, XDG_CACHE_HOME: tempDir("lock2nix-bench-cache-") };
    // BENCH_NO_PROVENANCE=1 measures the same lock without provenance, for comparison in the same minutes.
    const provenance = process.env["BENCH_NO_PROVENANCE"] ? ["--no-provenance"] : ["--trusted-root", trustedRoot];
    const args = ["generate", dir, "-o", join(dir, "lock.nix"), "--index-url", server.simpleUrl, "--python", "3.12", "--jobs", String(JOBS), ...provenance, "--quiet"];
    const cold = await runCli(args, env);
    const requests = server.requests.length;
    const warmRuns: Array<{ seconds: number; rssMB: number }> = [];
    for (let i = 0; i < WARM_RUNS; i++) warmRuns.push(await runCli(args, env));
    const warmRequests = server.requests.length - requests;
    const warmSeconds = warmRuns.map((r) => r.seconds).sort((a, b) => a - b);
    const warm = { seconds: warmSeconds[Math.floor(WARM_RUNS / 2)] as number, rssMB: Math.max(...warmRuns.map((r) => r.rssMB)) };
    if (process.env["BENCH_KEEP"]) console.error(`kept: XDG_CACHE_HOME=${env.XDG_CACHE_HOME} node bin/lock2nix.js ${args.join(" ")}`);
    const limitSeconds = (Math.ceil(requests / JOBS) * DELAY_MS) / 1000;
    const figures = {
      packages: releases.length,
      files: indexFiles.length,
      attested,
      coldSeconds: Number(cold.seconds.toFixed(3)),
      warmSeconds: Number(warm.seconds.toFixed(3)),
      warmRunsSeconds: warmSeconds.map((t) => Number(t.toFixed(3))),
      limitSeconds,
      ratio: Number((cold.seconds / limitSeconds).toFixed(3)),
      requests,
      warmRequests,
      peakRssMB: Number(Math.max(cold.rssMB, warm.rssMB).toFixed(1)),
    };
    if (json) {
      console.log(JSON.stringify(figures));
    } else {
      console.log(`packages ${figures.packages} (${figures.files} files, ${attested} with PEP 740 provenance), ${DELAY_MS} ms added per response, --jobs ${JOBS}`);
      console.log(`cold:  ${figures.coldSeconds} s, ${requests} requests; network-bound limit ceil(${requests}/${JOBS}) x ${DELAY_MS} ms = ${limitSeconds} s; ratio ${figures.ratio}`);
      console.log(`  goal: cold <= 1.3 x limit + 0.5 s = ${(1.3 * limitSeconds + 0.5).toFixed(2)} s`);
      console.log(`warm:  ${figures.warmSeconds} s (median of ${WARM_RUNS}: ${figures.warmRunsSeconds.join(", ")}), ${warmRequests} requests (goal <= 0.6 s)`);
      console.log(`peak RSS: ${figures.peakRssMB} MB (goal <= 200 MB)`);
    }
  } finally {
    await server.close();
    if (!process.env["BENCH_KEEP"]) removeTempDirs();
  }
}

await main();
