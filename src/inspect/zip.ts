/**
 * A zip reader for an archive on disk or in memory: it finds the central
 * directory from the end (ZIP64 included), lists every member from it, and
 * reads only the members its sink asks for.
 */
import { open } from "node:fs/promises";
import type { MemberSink } from "./facts.js";
import { ArchiveError } from "./tar.js";

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** End-of-central-directory record without its comment, and the longest comment. */
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** Largest central directory read (about two million members). */
const MAX_DIRECTORY = 256 * 1024 * 1024;

interface Member {
  path: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Where the archive's bytes are: reads return fewer bytes than asked at the end. */
interface Archive {
  size: number;
  readAt(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

async function fileArchive(path: string): Promise<Archive> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    return {
      size,
      async readAt(position, length) {
        const buffer = Buffer.alloc(length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return filled === length ? buffer : buffer.subarray(0, filled);
      },
      close: () => file.close(),
    };
  } catch (err) {
    await file.close();
    throw err;
  }
}

function bufferArchive(bytes: Buffer): Archive {
  return {
    size: bytes.length,
    readAt: async (position, length) => bytes.subarray(Math.min(position, bytes.length), Math.min(position + length, bytes.length)),
    close: async () => {},
  };
}

const u64 = (buffer: Buffer, offset: number) => Number(buffer.readBigUInt64LE(offset));

/** Reads the zip archive in the file at `source`, or in `source` itself. */
export async function readZip(source: string | Buffer, sink: MemberSink, filename: string): Promise<void> {
  const fail = (what: string) => new ArchiveError(`${filename}: not a valid zip archive (${what})`);
  const file = typeof source === "string" ? await fileArchive(source) : bufferArchive(source);
  try {
    const fileSize = file.size;
    const tailLength = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT);
    const tailStart = fileSize - tailLength;
    const tail = await file.readAt(tailStart, tailLength);
    let at = -1;
    for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD && i + EOCD_SIZE + tail.readUInt16LE(i + 20) <= tail.length) {
        at = i;
        break;
      }
    }
    if (at === -1) throw fail("no end of central directory record");
    let entries = tail.readUInt16LE(at + 10);
    let directorySize = tail.readUInt32LE(at + 12);
    let directoryOffset = tail.readUInt32LE(at + 16);
    if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      const locatorAt = at - 20;
      if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR) throw fail("no ZIP64 locator");
      const record = await file.readAt(u64(tail, locatorAt + 8), 56);
      if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD) throw fail("bad ZIP64 end record");
      entries = u64(record, 32);
      directorySize = u64(record, 40);
      directoryOffset = u64(record, 48);
    }
    if (directorySize > MAX_DIRECTORY) throw fail(`central directory of ${directorySize} bytes`);
    if (directoryOffset + directorySize > tailStart + at) throw fail("central directory out of bounds");
    const directory = await file.readAt(directoryOffset, directorySize);

    const wanted: Member[] = [];
    let pos = 0;
    for (let n = 0; n < entries; n++) {
      if (pos + 46 > directory.length || directory.readUInt32LE(pos) !== CENTRAL) throw fail("corrupt central directory");
      const flags = directory.readUInt16LE(pos + 8);
      const nameLength = directory.readUInt16LE(pos + 28);
      const extraLength = directory.readUInt16LE(pos + 30);
      const commentLength = directory.readUInt16LE(pos + 32);
      // Bit 11: the name is UTF-8; otherwise CP437, which agrees with latin1 on ASCII.
      const name = directory.toString(flags & 0x800 ? "utf8" : "latin1", pos + 46, pos + 46 + nameLength);
      const member: Member = {
        path: name,
        flags,
        method: directory.readUInt16LE(pos + 10),
        compressedSize: directory.readUInt32LE(pos + 20),
        size: directory.readUInt32LE(pos + 24),
        localOffset: directory.readUInt32LE(pos + 42),
      };
      zip64Extra(directory.subarray(pos + 46 + nameLength, pos + 46 + nameLength + extraLength), member);
      pos += 46 + nameLength + extraLength + commentLength;
      const directoryEntry = name.endsWith("/") || name.endsWith("\\");
      if (sink.entry(name, directoryEntry ? "directory" : "file", member.size) && !directoryEntry) wanted.push(member);
    }
    for (const member of wanted) {
      const data = await readMember(file, member, fail, sink);
      if (data) sink.content(member.path, data);
    }
  } finally {
    await file.close();
  }
}

/** ZIP64 extended information: the 64-bit values of the fields saturated at 0xffffffff, in this order. */
function zip64Extra(extra: Buffer, member: Member): void {
  let pos = 0;
  while (pos + 4 <= extra.length) {
    const id = extra.readUInt16LE(pos);
    const length = extra.readUInt16LE(pos + 2);
    if (id === 0x0001) {
      let at = pos + 4;
      const end = at + length;
      for (const key of ["size", "compressedSize", "localOffset"] as const) {
        if (member[key] !== 0xffffffff || at + 8 > end) continue;
        member[key] = u64(extra, at);
        at += 8;
      }
      return;
    }
    pos += 4 + length;
  }
}

/** node:zlib, loaded on first use and once (a warm run reads no archive). */
let zlib: Promise<typeof import("node:zlib")> | undefined;

async function readMember(
  file: Archive,
  member: Member,
  fail: (what: string) => Error,
  sink: MemberSink,
): Promise<Buffer | undefined> {
  const header = await file.readAt(member.localOffset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL) throw fail(`no local header for ${member.path}`);
  const start = member.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (member.flags & 0x1) {
    sink.warn(`${member.path} is encrypted; ignored`);
    return undefined;
  }
  const raw = await file.readAt(start, member.compressedSize);
  if (raw.length < member.compressedSize) throw fail(`${member.path} is truncated`);
  if (member.method === 0) return raw;
  if (member.method !== 8) {
    sink.warn(`${member.path} uses zip compression method ${member.method}, which lock2nix cannot read; ignored`);
    return undefined;
  }
  const { inflateRawSync } = await (zlib ??= import("node:zlib"));
  try {
    return inflateRawSync(raw, { maxOutputLength: Math.max(member.size, 1) });
  } catch (err) {
    throw fail(`${member.path}: ${(err as Error).message}`);
  }
}
