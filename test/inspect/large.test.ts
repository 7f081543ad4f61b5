// Memory stays bounded on a large sdist: the inspection runs in a child
// process whose peak RSS is compared with the same child inspecting a tiny
// sdist, and with a control that holds the archive in memory.
//
// The archive is 256 MiB, not 50: V8 frees a dropped Buffer only at its next
// collection, and fresh off-heap memory triggers one only about every 64 MiB,
// so any stream over a 50 MiB body (HttpClient's included) peaks some 35-60
// MiB above the baseline however little it keeps. The peak does not grow past
// that plateau, which a larger archive shows.
import { execFile, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGzip } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { serveFiles, sha256File, sourceTree, tarArchive } from "./helpers.js";

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const mib = (bytes: number) => (bytes / MiB).toFixed(1);
const ROOT = join(import.meta.dirname, "..", "..");
const CHILD = join(import.meta.dirname, "rss-child.ts");
const work = tempDir("lock2nix-inspect-large-");
const cleanup = [work];
afterAll(() => cleanup.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const LOCK = 'version = 3\n\n[[package]]\nname = "huge"\nversion = "1.0.0"\n';

/**
 * huge-1.0.tar.gz: pyproject.toml, SIZE bytes in one member, then the Rust
 * crate. Compressed with stored deflate blocks, the archive is as large on
 * the wire as unpacked, as random data would make it, without writing random
 * data to disk first (the member is a sparse file of zeros).
 */
async function hugeSdist(): Promise<string> {
  const tree = sourceTree("huge-1.0", {
    "pyproject.toml": '[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n',
    "rust/Cargo.toml": '[package]\nname = "huge"\n',
    "rust/Cargo.lock": LOCK,
    "rust/src/lib.rs": "",
  });
  cleanup.push(tree);
  writeFileSync(join(tree, "huge-1.0", "data.bin"), "");
  truncateSync(join(tree, "huge-1.0", "data.bin"), SIZE);
  const out = join(work, "huge-1.0.tar.gz");
  const tar = spawn("tar", ["-c", "--format=gnu", "--sort=name", "-f", "-", "-C", tree, "huge-1.0"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => tar.on("close", resolve));
  await pipeline(tar.stdout, createGzip({ level: 0 }), createWriteStream(out));
  expect(await exited).toBe(0);
  return out;
}

it("inspects a 256 MiB sdist holding a small fraction of it in memory", { timeout: 180_000 }, async () => {
  const archive = await hugeSdist();
  const size = statSync(archive).size;
  expect(size).toBeGreaterThan(SIZE);
  mkdirSync(join(work, "small", "small-1.0"), { recursive: true });
  writeFileSync(join(work, "small", "small-1.0", "setup.py"), "");
  const small = tarArchive(join(work, "small"), "small-1.0", join(work, "small-1.0.tar.gz"));

  const server = await serveFiles(work);
  const child = async (args: string[]) => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD, ...args], { cwd: ROOT });
    return JSON.parse(stdout) as { result: unknown; maxRss: number };
  };
  const inspect = (file: string) => {
    const name = basename(file);
    return child(["inspect", server.url(name), name, sha256File(file), join(work, `cache-${name}`)]);
  };
  try {
    // The same work on a tiny sdist: Node, tsx and the modules loaded.
    const baseline = await inspect(small);
    const inspected = await inspect(archive);
    const held = await child(["hold", archive]);
    expect(inspected.result).toEqual({
      buildRequires: ["maturin>=1,<2"],
      buildBackend: "maturin",
      hasPyproject: true,
      cargoLock: LOCK,
      cargoLockPath: "rust/Cargo.lock",
      nativeSources: ["rust"],
    });
    expect(held.result).toBe(size);
    const growth = inspected.maxRss - baseline.maxRss;
    const control = held.maxRss - baseline.maxRss;
    console.log(`archive ${mib(size)} MiB; peak RSS above baseline: inspecting ${mib(growth)} MiB, holding it whole ${mib(control)} MiB`);
    // The measurement sees an archive held in memory...
    expect(control).toBeGreaterThan(size * 0.8);
    // ...and inspecting holds far less.
    expect(growth).toBeLessThan(size / 3);
  } finally {
    await server.close();
  }
});
