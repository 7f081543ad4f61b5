/**
 * A streaming tar reader: ustar, GNU (long names, base-256 sizes) and pax
 * (path and size records). It is fed chunks of any size and keeps in memory
 * only one header and the members its sink asks for.
 */
import { Lock2nixError } from "../errors.js";
import type { MemberSink } from "./facts.js";

/** An archive lock2nix cannot read. */
export class ArchiveError extends Lock2nixError {}

const BLOCK = 512;
/** Longest GNU long-name or pax header member accepted. */
const META_LIMIT = 1024 * 1024;

type Current =
  | { kind: "member"; path: string; data: Buffer; filled: number }
  | { kind: "longname" | "pax"; data: Buffer; filled: number }
  | { kind: "skip" };

function field(header: Buffer, offset: number, length: number): string {
  const end = header.indexOf(0, offset);
  return header.toString("utf8", offset, end === -1 || end > offset + length ? offset + length : end);
}

function octal(header: Buffer, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

/** Sizes above 8 GiB are stored base-256, flagged by the high bit of the first byte. */
function size(header: Buffer): number {
  if ((header[124]! & 0x80) === 0) return octal(header, 124, 12);
  let value = header[124]! & 0x7f;
  for (let i = 125; i < 136; i++) value = value * 256 + header[i]!;
  return value;
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === octal(header, 148, 8);
}

/** pax extended header records: `<length> <key>=<value>\n`, the length counting bytes. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? NaN : Number(data.toString("ascii", pos, space));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) break;
    const record = data.toString("utf8", space + 1, pos + length - 1);
    const eq = record.indexOf("=");
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}

export class TarParser {
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Bytes of the current member's data still to come, then of its padding. */
  private dataLeft = 0;
  private padLeft = 0;
  private current: Current = { kind: "skip" };
  private longName: string | undefined;
  private pax = new Map<string, string>();
  private ended = false;
  private offset = 0;

  constructor(
    private readonly sink: MemberSink,
    private readonly filename: string,
  ) {}

  write(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.ended) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - pos);
        const current = this.current;
        if (current.kind !== "skip") {
          chunk.copy(current.data, current.filled, pos, pos + n);
          current.filled += n;
        }
        this.dataLeft -= n;
        pos += n;
        if (this.dataLeft === 0) this.memberDone();
      } else if (this.padLeft > 0) {
        const n = Math.min(this.padLeft, chunk.length - pos);
        this.padLeft -= n;
        pos += n;
      } else {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + n);
        this.headerFill += n;
        pos += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.onHeader();
        }
      }
    }
    this.offset += chunk.length;
  }

  /** The archive's bytes are all in: anything cut short is an error. */
  end(): void {
    if (!this.ended && (this.headerFill > 0 || this.dataLeft > 0)) {
      throw new ArchiveError(`${this.filename}: the tar archive is truncated`);
    }
  }

  private onHeader(): void {
    if (this.header.every((b) => b === 0)) {
      // The end-of-archive marker; whatever follows is padding.
      this.ended = true;
      return;
    }
    if (!checksumOk(this.header)) {
      throw new ArchiveError(`${this.filename}: not a tar archive (bad header checksum near byte ${this.offset})`);
    }
    const type = String.fromCharCode(this.header[156]!);
    const meta = type === "x" || type === "g" || type === "L" || type === "K";
    // A pax `size` record overrides the header's for the member it precedes.
    const paxSize = meta ? undefined : this.pax.get("size");
    const length = paxSize !== undefined ? Number(paxSize) : size(this.header);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new ArchiveError(`${this.filename}: not a tar archive (bad member size near byte ${this.offset})`);
    }
    this.dataLeft = length;
    this.padLeft = (BLOCK - (length % BLOCK)) % BLOCK;

    if (type === "L" || type === "x") {
      if (length > META_LIMIT) throw new ArchiveError(`${this.filename}: a tar extended header is too large (${length} bytes)`);
      this.current = { kind: type === "L" ? "longname" : "pax", data: Buffer.alloc(length), filled: 0 };
    } else if (type === "K" || type === "g") {
      this.current = { kind: "skip" };
    } else {
      const path = this.pax.get("path") ?? this.longName ?? this.headerPath();
      this.pax = new Map();
      this.longName = undefined;
      const kind = type === "0" || type === "\0" || type === "7" ? "file" : type === "5" ? "directory" : "other";
      const wanted = this.sink.entry(path, kind, length) && kind === "file";
      this.current = wanted ? { kind: "member", path, data: Buffer.alloc(length), filled: 0 } : { kind: "skip" };
    }
    if (length === 0) this.memberDone();
  }

  /** ustar splits long paths into prefix and name; GNU's format uses the prefix bytes for other things. */
  private headerPath(): string {
    const name = field(this.header, 0, 100);
    const ustar = this.header.toString("latin1", 257, 263) === "ustar\0";
    const prefix = ustar ? field(this.header, 345, 155) : "";
    return prefix ? `${prefix}/${name}` : name;
  }

  private memberDone(): void {
    const current = this.current;
    this.current = { kind: "skip" };
    if (current.kind === "skip") return;
    if (current.kind === "member") {
      this.sink.content(current.path, current.data);
    } else if (current.kind === "longname") {
      this.longName = field(current.data, 0, current.data.length);
    } else {
      for (const [key, value] of paxRecords(current.data)) this.pax.set(key, value);
    }
  }
}
