/**
 * Sdist inspection: download an sdist once, check its sha256, and read from
 * it what its build needs (build system, Rust crate lock, native sources),
 * caching the answer by hash so later runs, and offline runs, need no
 * download.
 *
 * The download is kept in memory while it is small (most sdists are), and
 * goes on in a temporary file beside the cache past IN_MEMORY_LIMIT (the
 * HTTP client gives no back-pressure, so decompressing as bytes arrive could
 * queue a whole archive in memory); the archive is then read with bounded
 * memory: tar through a streaming parser, zip from its central directory.
 * Every byte is read: the hash covers the whole file, and neither native
 * sources nor a Cargo.lock can be known absent before a tar's end.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { Lock2nixError } from "../errors.js";
import type { Credentials } from "../index/credentials.js";
import type { HttpClient } from "../index/http.js";
import { defaultInspectCacheDir, FactsCache } from "./cache.js";
import { SdistCollector, type SdistFacts } from "./facts.js";
import { ArchiveError, TarParser } from "./tar.js";
import { readZip } from "./zip.js";
import { parseSdistFilename } from "../pep/tags.js";

export { defaultInspectCacheDir } from "./cache.js";
export { NATIVE_KINDS, type NativeKind, type SdistFacts } from "./facts.js";
export { ArchiveError } from "./tar.js";
export { cargoGitCrates, outputHashKey, gitCrateSources, type CargoGitCrate } from "./cargo.js";
export { mapBuildRequires, KNOWN_BUILD_ATTRS, type BuildRequiresMapping } from "./build-requires.js";

export interface InspectOptions {
  url: string;
  filename: string;
  /** Hex sha256 of the sdist, from the lock or the index. */
  sha256: string;
  http: HttpClient;
  /** Default `$XDG_CACHE_HOME/lock2nix/inspect`. */
  cacheDir?: string;
  /** Answer from the cache only: `undefined` when the sdist was never inspected. */
  offline?: boolean;
  credentials?: Credentials;
  /** Told why an sdist cannot be inspected, and what in it was ignored. */
  onWarning?: (message: string) => void;
}

/** The sdist downloaded is not the one the lock names. */
export class HashMismatchError extends Lock2nixError {}

export type ArchiveFormat = "tar.gz" | "tar" | "zip";

/** How lock2nix reads an sdist of this name, or why it cannot. */
export function archiveFormat(filename: string): { format: ArchiveFormat } | { unsupported: string } {
  const lower = filename.toLowerCase();
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return { format: "tar.gz" };
  if (lower.endsWith(".zip")) return { format: "zip" };
  if (lower.endsWith(".tar")) return { format: "tar" };
  if (lower.endsWith(".tar.bz2") || lower.endsWith(".tbz2")) {
    return { unsupported: "bzip2-compressed sdists cannot be read (Node has no bzip2 decoder)" };
  }
  if (lower.endsWith(".tar.xz") || lower.endsWith(".txz")) {
    return { unsupported: "xz-compressed sdists cannot be read (Node has no xz decoder)" };
  }
  return { unsupported: "not an sdist archive lock2nix can read (.tar.gz, .tgz, .tar or .zip)" };
}

/** One inspection per sdist at a time within a process. */
const inFlight = new Map<string, Promise<SdistFacts>>();

/**
 * What an sdist's build needs, from the cache or by downloading it. Returns
 * `undefined` when its format cannot be read, or when offline and not cached.
 * Throws HashMismatchError when the bytes do not have `sha256`.
 */
export async function inspectSdist(options: InspectOptions): Promise<SdistFacts | undefined> {
  const sha256 = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new Lock2nixError(`${options.filename}: ${JSON.stringify(options.sha256)} is not a sha256 in hex`);
  }
  const warn = options.onWarning ?? (() => {});
  const format = archiveFormat(options.filename);
  if ("unsupported" in format) {
    warn(`${options.filename}: not inspected: ${format.unsupported}`);
    return undefined;
  }
  const cache = new FactsCache(options.cacheDir ?? defaultInspectCacheDir());
  const cached = cache.get(sha256);
  if (cached) return cached;
  if (options.offline) return undefined;

  const key = `${cache.dir}\0${sha256}`;
  let running = inFlight.get(key);
  if (!running) {
    running = download(options, sha256, format.format, cache, warn).finally(() => inFlight.delete(key));
    inFlight.set(key, running);
  }
  return running;
}

async function download(
  options: InspectOptions,
  sha256: string,
  format: ArchiveFormat,
  cache: FactsCache,
  warn: (message: string) => void,
): Promise<SdistFacts> {
  const download = new Download(join(cache.dir, `.download-${sha256.slice(0, 16)}-${process.pid}-${++downloads}.part`));
  try {
    let hash = createHash("sha256");
    try {
      await options.http.stream(
        options.url,
        () => {
          // A retry starts again from the first byte.
          hash = createHash("sha256");
          download.restart();
          return (chunk) => {
            hash.update(chunk);
            download.write(chunk);
          };
        },
        options.credentials,
      );
    } catch (err) {
      const e = err as { code?: string; message?: string; cause?: { code?: string } };
      const why = err instanceof Lock2nixError ? err.message : (e.cause?.code ?? e.code ?? e.message ?? String(err));
      throw new Lock2nixError(`${options.filename}: downloading it to inspect it failed: ${why}`);
    } finally {
      download.end();
    }
    const actual = hash.digest("hex");
    if (actual !== sha256) {
      throw new HashMismatchError(`${options.filename}: sha256 mismatch: expected ${sha256}, got ${actual}`);
    }
    const collector = new SdistCollector(options.filename, parseSdistFilename(options.filename)?.name);
    await readArchive(download.result(), format, collector, options.filename);
    const facts = collector.finish();
    for (const message of collector.warnings) warn(message);
    cache.put(sha256, options.filename, facts);
    return facts;
  } finally {
    download.remove();
  }
}

/** Downloads started by this process, to name their temporary files apart. */
let downloads = 0;

/** Downloads kept in memory up to this size; larger ones go on in a file. */
export const IN_MEMORY_LIMIT = 4 * 1024 * 1024;

/** A download's bytes: in memory while small, then in the temporary file `spill`. */
class Download {
  private chunks: Buffer[] = [];
  private size = 0;
  private fd: number | undefined;

  constructor(private readonly spill: string) {}

  write(chunk: Buffer): void {
    if (this.fd === undefined && this.size + chunk.length <= IN_MEMORY_LIMIT) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      return;
    }
    if (this.fd === undefined) {
      mkdirSync(dirname(this.spill), { recursive: true });
      this.fd = openSync(this.spill, "w");
      for (const held of this.chunks.splice(0)) writeAll(this.fd, held);
    }
    writeAll(this.fd, chunk);
  }

  /** Forgets what was written, for a download that starts again. */
  restart(): void {
    this.chunks = [];
    this.size = 0;
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      rmSync(this.spill, { force: true });
    }
  }

  end(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }

  /** The bytes, or the file holding them. */
  result(): Buffer | string {
    return this.fd === undefined ? Buffer.concat(this.chunks, this.size) : this.spill;
  }

  remove(): void {
    this.chunks = [];
    if (this.fd !== undefined) rmSync(this.spill, { force: true });
  }
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
}

// Loaded on first use, not at start (a warm run reads no archive), and once: each import() of a
// bundled CommonJS module copies all its exports again.
let streams: Promise<{ pipeline: typeof import("node:stream/promises").pipeline; createGunzip: typeof import("node:zlib").createGunzip }> | undefined;
const streamModules = () =>
  (streams ??= Promise.all([import("node:stream/promises"), import("node:zlib")]).then(([s, z]) => ({ pipeline: s.pipeline, createGunzip: z.createGunzip })));

async function readArchive(source: Buffer | string, format: ArchiveFormat, collector: SdistCollector, filename: string): Promise<void> {
  if (format === "zip") return readZip(source, collector, filename);
  const parser = new TarParser(collector, filename);
  const sink = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) parser.write(chunk);
    parser.end();
  };
  const { pipeline, createGunzip } = await streamModules();
  try {
    const bytes = typeof source === "string" ? createReadStream(source) : Readable.from([source]);
    if (format === "tar") await pipeline(bytes, sink);
    else await pipeline(bytes, createGunzip(), sink);
  } catch (err) {
    if (err instanceof Lock2nixError) throw err;
    const code = (err as { code?: string }).code;
    if (code?.startsWith("Z_")) throw new ArchiveError(`${filename}: not a valid gzip file (${(err as Error).message})`);
    throw err;
  }
}
