/**
 * Issue #12: a bounded fuzz test. A fixed seed turns real corpus locks (every
 * format) into 350 mutants: byte flips, deleted, duplicated and swapped lines,
 * truncation, hostile strings (`"`, `${`, `$&`, `\n#`, NUL, `'''`, very long
 * strings, 2,000 nested parentheses), values swapped between keys, and a
 * canary (`L2N_CANARY` wrapped in hostile text) put into a string value the
 * way the format escapes it. Each runs through `main(generate …)` in-process,
 * a share `--offline` (a lock that needs the index stops with a message, a
 * valid outcome), the rest against a loopback index made of the corpus' own
 * file names and hashes (`--index-url http://127.0.0.1:…/simple/ --no-inspect`;
 * PEP 691 JSON, or for every other one PEP 503 HTML only), so Pipfile.lock and
 * requirements mutants can succeed too. For each: exit 0, 1 or 2 only, no
 * stack trace, no internal error, bounded message lines; on failure no output
 * and no temporary file (beside the lock or in the cache); on success the
 * canary only ever inside a Nix string literal (or a comment), and every
 * output parses (one nix-instantiate call). Nothing leaves 127.0.0.1: a guard
 * refuses every other connection (as a DNS failure would) and git may use no
 * transport but file://; the test asserts that only the loopback index was
 * connected to (and nothing offline), that PyPI was never tried, that any
 * other host tried is one the mutant itself names, and that the index saw
 * only `GET /simple/<normalized name>/` for names the mutant holds.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { CORPUS, NIX_SKIP_REASON, tempDir } from "../helpers.js";
import { corpusIndexFiles, gitGuard, guardNetwork, startCorpusIndex, type CorpusIndex } from "../support/corpus-index-server.js";
import { normalizeName } from "../support/index-formats.js";

const CORPUS_SKIP = existsSync(CORPUS) || process.env["CI"] === "true" ? undefined : `${CORPUS} not found (the shared lockfile corpus sits beside the checkout in CI)`;
if (CORPUS_SKIP) console.warn(`skipping the fuzz test: ${CORPUS_SKIP}`);

/** mulberry32: a tiny seeded PRNG, so every run makes the same mutants. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] as T };
}
type Rng = ReturnType<typeof prng>;

/** What the loopback index serves, for trimming locks to the releases it can answer for. */
type Served = { serves(name: string, version: string): boolean; hasHash(sha256: string): boolean };

/**
 * The locks mutated: small ones, every format. `lock` is the file mutated (relative to the case); `manifest` a
 * companion mutated now and then; `args` added to every run; `online` how many of every 5 mutants run against
 * the loopback index (the others `--offline`); `prepare` the lock's text before mutating.
 */
const LOCKS: { name: string; lock: string; manifest?: string; args?: string[]; online: number; prepare?: (text: string, served: Served) => string }[] = [
  { name: "poetry-p2n-legacy", lock: "poetry.lock", manifest: "pyproject.toml", online: 2 },
  { name: "poetry-p2n-wandb", lock: "poetry.lock", manifest: "pyproject.toml", online: 2 },
  { name: "poetry-p2n-git-deps", lock: "poetry.lock", manifest: "pyproject.toml", online: 2 },
  { name: "poetry-p2n-dependency-groups", lock: "poetry.lock", manifest: "pyproject.toml", online: 2 },
  { name: "uv-aws-lambda-example", lock: "uv.lock", manifest: "pyproject.toml", online: 2 },
  { name: "pdm-pdm", lock: "pdm.lock", manifest: "pyproject.toml", online: 2 },
  // The corpus' pylock.toml lists some wheels twice with different hashes (refused, see the pylock tests): each once here, so mutants get past that check.
  { name: "pylock-pipenv", lock: "pylock.toml", online: 1, prepare: oneOfEachWheel },
  // Locks without file names, trimmed to the releases the corpus records files for (the loopback index knows no others).
  { name: "pipenv-pipenv-examples", lock: "Pipfile.lock", online: 4, prepare: servedPipfile },
  // No hashes, and releases the corpus has no files for: online, the index answers 404.
  { name: "pipenv-requests-2017", lock: "Pipfile.lock", online: 4 },
  { name: "reqs-netbox-2021", lock: "requirements.txt", online: 4 },
  // `-i` PyPI (which --index-url replaces), `--extra-index-url` piwheels (asked only for what the index lacks).
  { name: "reqs-paperless-ngx-2022", lock: "requirements.txt", online: 4, prepare: servedRequirements },
  // `--index-url` a private index: online, the guard refuses it (its name does not resolve).
  { name: "reqs-sentry-frozen", lock: "requirements-frozen.txt", online: 4 },
  // Added after the first twelve, whose seeds (by position) stay as they were.
  { name: "pipenv-pipenv", lock: "Pipfile.lock", online: 4, prepare: servedPipfile },
  // `--generate-hashes`: file names found by hash.
  { name: "reqs-warehouse-main", lock: "requirements/main.txt", args: ["--format", "requirements"], online: 4, prepare: servedRequirements },
];
const PER_LOCK = 25;
/** Online successes at least, of the Pipfile.lock and the requirements mutants (each 4 in 5 online). */
const PIPENV_FLOOR = 5;
const REQUIREMENTS_FLOOR = 7;
const CANARY = "L2N_CANARY";
/** PyPI's hosts: --index-url replaces PyPI, so no run may try them. */
const PYPI_HOSTS = new Set(["pypi.org", "pypi.python.org", "files.pythonhosted.org"]);

/** Of each wheel the lock lists more than once, the entry whose sha256 the index serves (else the first). */
function oneOfEachWheel(text: string, served: Served): string {
  const lines = text.split("\n");
  const shaOf = (line: string) => /sha256 = "([0-9a-f]{64})"/.exec(line)?.[1] ?? "";
  const chosen = new Map<string, number>();
  lines.forEach((line, i) => {
    const name = /^\s+\{name = "([^"]+)"/.exec(line)?.[1];
    if (name === undefined) return;
    const before = chosen.get(name);
    if (before === undefined || (served.hasHash(shaOf(line)) && !served.hasHash(shaOf(lines[before] as string)))) chosen.set(name, i);
  });
  const keep = new Set(chosen.values());
  return lines.filter((line, i) => keep.has(i) || !/^\s+\{name = "/.test(line)).join("\n");
}

/** A Pipfile.lock without the entries the index cannot name files for (or that are not index packages). */
function servedPipfile(text: string, served: Served): string {
  const doc = JSON.parse(text) as Record<string, Record<string, { version?: string; hashes?: string[] }>>;
  for (const [category, entries] of Object.entries(doc)) {
    if (category === "_meta") continue;
    for (const [name, entry] of Object.entries(entries)) {
      const version = entry.version?.replace(/^==/, "");
      const hashes = (entry.hashes ?? []).map((h) => h.replace(/^sha256:/, ""));
      const ok = version !== undefined && (hashes.length > 0 ? hashes.some((h) => served.hasHash(h)) : served.serves(name, version));
      if (!ok) delete entries[name];
    }
  }
  return `${JSON.stringify(doc, null, 4)}\n`;
}

/** A requirements file without the pins the index cannot serve, and without URL, VCS and `-e` lines. */
function servedRequirements(text: string, served: Served): string {
  const logical: string[] = [];
  for (const line of text.split("\n")) {
    const last = logical.length - 1;
    if (last >= 0 && (logical[last] as string).endsWith("\\")) logical[last] += `\n${line}`;
    else logical.push(line);
  }
  return logical
    .filter((entry) => {
      const head = entry.trimStart();
      if (head === "" || head.startsWith("#")) return true;
      if (head.startsWith("-")) return !/^(-e|--editable)\b/.test(head);
      const pin = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;\\]+)/.exec(head);
      if (!pin) return false;
      const hashes = [...entry.matchAll(/--hash[= ]sha256:([0-9a-f]{64})/g)].map((m) => m[1] as string);
      return hashes.length > 0 ? hashes.some((h) => served.hasHash(h)) : served.serves(pin[1] as string, pin[2] as string);
    })
    .join("\n");
}

const HOSTILE = ['"', "${", "$&", "$$", "$`", "$'", "\n#", "\u0000", "'''", "''${", "\\", "*/", "/*", "\r", "\u2028", ";", "#", "\u001b[2J", "x".repeat(100_000)];
/** The canary with hostile text around it; each starts with a character no identifier holds, so valid output must quote it. */
const CANARIES = [`\u0000${CANARY}`, `"${CANARY}`, `\${${CANARY}}`, `$&${CANARY}$'`, `\n${CANARY} = 1; #`, `''\${${CANARY}}`, `\\"${CANARY}\\`, `*/${CANARY}/*`, `$\${${CANARY}`, `\n#${CANARY}\n`];
const deep = (inner: string) => `${"(".repeat(2000)}${inner}${")".repeat(2000)}`;

/** `value` written inside a "…" string of TOML or JSON (both take these escapes). */
const escapeQuoted = (value: string) =>
  value.replace(/[\\"\u0000-\u001f\u2028]/g, (c) => (c === "\\" ? "\\\\" : c === '"' ? '\\"' : c === "\n" ? "\\n" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));

/** The contents of each "…" string in the text (not crossing lines), as [start, end) offsets. */
function quotedValues(text: string): [number, number][] {
  const found: [number, number][] = [];
  for (const m of text.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)) found.push([m.index + 1, m.index + 1 + (m[1] as string).length]);
  return found;
}

/** One mutant of `text` (the file `file`), and what was done, for the test's message. */
function mutate(rng: Rng, text: string, file: string): { text: string | Buffer; what: string } {
  const lines = text.split("\n");
  const line = rng.int(lines.length);
  const at = rng.int(text.length + 1);
  const quoted = file.endsWith(".txt") ? [] : quotedValues(text);
  const inString = (payload: (old: string) => string, what: string, among = quoted) => {
    if (among.length === 0) {
      // A requirements file: the payload goes raw into a line, after its first word.
      const words = (lines[line] as string).split(" ");
      words.splice(1, 0, payload(""));
      lines[line] = words.join(" ");
      return { text: lines.join("\n"), what: `${what} in line ${line + 1}` };
    }
    const [start, end] = rng.pick(among);
    return { text: text.slice(0, start) + payload(text.slice(start, end)) + text.slice(end), what: `${what} in the string at ${start}` };
  };
  switch (rng.int(14)) {
    case 0: {
      const bytes = Buffer.from(text);
      const i = rng.int(bytes.length);
      bytes[i] = (bytes[i] as number) ^ (1 << rng.int(8));
      return { text: bytes, what: `flip a bit of byte ${i}` };
    }
    case 1:
      lines.splice(line, 1);
      return { text: lines.join("\n"), what: `delete line ${line + 1}` };
    case 2:
      lines.splice(line, 0, lines[line] as string);
      return { text: lines.join("\n"), what: `duplicate line ${line + 1}` };
    case 3:
      return { text: text.slice(0, at), what: `truncate at ${at}` };
    case 4: {
      const h = rng.pick(HOSTILE);
      return { text: text.slice(0, at) + h + text.slice(at), what: `insert ${JSON.stringify(h.slice(0, 20))} at ${at}` };
    }
    case 5: {
      const h = rng.pick(HOSTILE);
      return inString((old) => (quoted.length ? escapeQuoted(h) : h) + old, `put ${JSON.stringify(h.slice(0, 20))}`);
    }
    case 6: {
      const markers = [...text.matchAll(/^(\s*"?markers?"?\s*[=:]\s*")([^"\n]*)"/gm)];
      if (markers.length > 0 && quoted.length > 0) {
        const m = rng.pick(markers);
        const start = m.index + (m[1] as string).length;
        return { text: text.slice(0, start) + deep(m[2] as string) + text.slice(start + (m[2] as string).length), what: `nest the marker at ${start} in 2,000 parentheses` };
      }
      return inString((old) => `${old}; ${deep("os_name == 'posix'")}`, "nest a marker 2,000 deep");
    }
    case 7: {
      if (quoted.length < 2) {
        const other = rng.int(lines.length);
        [lines[line], lines[other]] = [lines[other] as string, lines[line] as string];
        return { text: lines.join("\n"), what: `swap lines ${line + 1} and ${other + 1}` };
      }
      const [a, b] = [rng.pick(quoted), rng.pick(quoted)].sort((x, y) => x[0] - y[0]) as [[number, number], [number, number]];
      if (a[0] === b[0]) return { text, what: "swap a value with itself" };
      return {
        text: text.slice(0, a[0]) + text.slice(b[0], b[1]) + text.slice(a[1], b[0]) + text.slice(a[0], a[1]) + text.slice(b[1]),
        what: `swap the values at ${a[0]} and ${b[0]}`,
      };
    }
    default: {
      // Cases 8 to 13, three mutants in seven: the canary. Most strings of a lock are names, versions and
      // hashes, which are checked and refused; URLs, paths and file names reach the output, so the canary
      // goes there three times in four.
      const reaching = quoted.filter(([start, end]) => /:\/\/|\/|\.(?:whl|tar\.gz|zip)$/.test(text.slice(start, end)));
      const c = rng.pick(CANARIES);
      return inString(
        (old) => {
          const cut = rng.int(old.length + 1);
          return old.slice(0, cut) + (quoted.length ? escapeQuoted(c) : c) + old.slice(cut);
        },
        `put the canary ${JSON.stringify(c)}`,
        reaching.length > 0 && rng.int(4) > 0 ? reaching : quoted,
      );
    }
  }
}

/**
 * Where `needle` occurs in Nix code, that is outside the contents of a string
 * literal ("…" or ''…'') and outside comments; `${…}` inside a string is code.
 */
function outsideStringLiterals(nix: string, needle: string): number[] {
  const CODE = 0;
  const STRING = 1;
  const OTHER = 2;
  const kind = new Uint8Array(nix.length);
  // Each frame: a string ('"' or "''") or code (with its count of open braces).
  const stack: { in: "code" | '"' | "''"; braces: number }[] = [{ in: "code", braces: 0 }];
  let i = 0;
  const mark = (n: number, k: number) => {
    kind.fill(k, i, Math.min(i + n, nix.length));
    i += n;
  };
  while (i < nix.length) {
    const top = stack[stack.length - 1] as { in: "code" | '"' | "''"; braces: number };
    const c = nix[i];
    const two = nix.slice(i, i + 2);
    if (top.in === "code") {
      if (c === "#") mark((nix.indexOf("\n", i) + 1 || nix.length + 1) - i, OTHER);
      else if (two === "/*") mark((nix.indexOf("*/", i + 2) + 2 || nix.length + 2) - i, OTHER);
      else if (c === '"') (mark(1, OTHER), stack.push({ in: '"', braces: 0 }));
      else if (two === "''") (mark(2, OTHER), stack.push({ in: "''", braces: 0 }));
      else if (c === "{") (top.braces++, mark(1, CODE));
      else if (c === "}" && top.braces === 0 && stack.length > 1) (stack.pop(), mark(1, OTHER));
      else if (c === "}") (top.braces--, mark(1, CODE));
      else mark(1, CODE);
    } else if (top.in === '"') {
      if (c === "\\" || two === "$$") mark(2, STRING);
      else if (two === "${") (mark(2, OTHER), stack.push({ in: "code", braces: 0 }));
      else if (c === '"') (stack.pop(), mark(1, OTHER));
      else mark(1, STRING);
    } else {
      if (nix.startsWith("''$", i) || nix.startsWith("'''", i)) mark(3, STRING);
      else if (nix.startsWith("''\\", i)) mark(4, STRING);
      else if (two === "''") (stack.pop(), mark(2, OTHER));
      else if (two === "$$") mark(2, STRING);
      else if (two === "${") (mark(2, OTHER), stack.push({ in: "code", braces: 0 }));
      else mark(1, STRING);
    }
  }
  const found: number[] = [];
  for (let at = nix.indexOf(needle); at !== -1; at = nix.indexOf(needle, at + 1)) {
    if (kind.subarray(at, at + needle.length).some((k) => k === CODE)) found.push(at);
  }
  return found;
}

/** Every file under `dir`, relative. */
const filesIn = (dir: string) => readdirSync(dir, { recursive: true, encoding: "utf8" });


/** Outputs of the mutants that generated, to be parsed together. */
const generated: { file: string; what: string }[] = [];
type Mode = "offline" | "online";
/** Exit status -> mutants, by mode. */
const outcomes: Record<Mode, Record<number, number>> = { offline: { 0: 0, 1: 0, 2: 0 }, online: { 0: 0, 1: 0, 2: 0 } };
/** Mutants that generated online, by the format of their lock. */
const onlineSuccesses: Record<string, number> = {};
/** How many of the outputs hold the canary: the check below is not vacuous. */
let canaried = 0;
/** Mutants after which the cache held a temporary file when main() returned (see below). */
/** Connections refused, requests and git calls, for the summary: the guards were not idle. */
const seen = { refused: new Set<string>(), requests: 0, htmlRequests: 0, gitCalls: 0 };

const formatOf = (lock: string) => (lock.endsWith(".txt") ? "requirements" : lock === "Pipfile.lock" ? "pipenv" : lock.replace(/\..*$/, ""));
/** Every name a text could mean a package by, PEP 503-normalized. */
const namesIn = (text: string) => new Set([...text.matchAll(/[A-Za-z0-9][A-Za-z0-9._-]*/g)].map((m) => normalizeName(m[0])));
const VARS_DROPPED = /^(https?_proxy|all_proxy|no_proxy|PIP_.*|LOCK2NIX_.*|GIT_.*)$/i;

describe.skipIf(CORPUS_SKIP)("fuzzed corpus locks (fixed seed)", () => {
  const caches: Record<Mode, string> = { offline: tempDir("lock2nix-fuzz-cache-"), online: tempDir("lock2nix-fuzz-cache-online-") };
  const outputs = tempDir("lock2nix-fuzz-out-");
  let index: { json: CorpusIndex; html: CorpusIndex };
  let served: Served;
  let guard: ReturnType<typeof guardNetwork>;
  const git = gitGuard();

  beforeAll(async () => {
    const { files } = corpusIndexFiles();
    index = { json: await startCorpusIndex(files), html: await startCorpusIndex(files, { htmlOnly: true }) };
    served = index.json;
    // Every run, online or offline, under the guard: offline, no connection at all.
    guard = guardNetwork();
  }, 30_000);

  afterAll(async () => {
    guard?.restore();
    await index?.json.close();
    await index?.html.close();
  });

  it("finds the canary outside string literals, and only there", () => {
    expect(outsideStringLiterals(`{ a = "x${CANARY}"; b = ''${CANARY}''; # ${CANARY}\n}`, CANARY)).toEqual([]);
    expect(outsideStringLiterals(`{ a = "x\\"${CANARY}"; b = "$\${${CANARY}"; /* ${CANARY} */ }`, CANARY)).toEqual([]);
    expect(outsideStringLiterals(`{ a = "x"; ${CANARY} = 1; }`, CANARY)).toEqual([11]);
    expect(outsideStringLiterals(`{ a = "x\${${CANARY}}"; }`, CANARY)).toEqual([10]);
    expect(outsideStringLiterals(`{ a = ''x\${${CANARY}}''; }`, CANARY)).toEqual([11]);
    expect(outsideStringLiterals(`# x\n${CANARY}\n`, CANARY)).toEqual([4]);
  });

  it.each(LOCKS.map((l, n) => [l.name, l, n] as const))(
    "%s: 25 mutants exit 0, 1 or 2 cleanly",
    async (_name, spec, n) => {
      const rng = prng(0x4c324e00 + n);
      const source = join(CORPUS, spec.name);
      const base = readFileSync(join(source, spec.lock), "utf8");
      const lockText = spec.prepare ? spec.prepare(base, served) : base;
      const manifest = spec.manifest && readFileSync(join(source, spec.manifest), "utf8");
      const problems: string[] = [];
      for (let m = 0; m < PER_LOCK; m++) {
        const dir = tempDir("lock2nix-fuzz-");
        cpSync(source, dir, { recursive: true });
        const target = manifest && rng.int(5) === 0 ? { file: spec.manifest as string, text: manifest } : { file: spec.lock, text: lockText };
        const mutant = mutate(rng, target.text, target.file);
        writeFileSync(join(dir, target.file), mutant.text);
        if (target.file !== spec.lock) writeFileSync(join(dir, spec.lock), lockText);
        const mode: Mode = m % 5 < spec.online ? "online" : "offline";
        const server = mode === "online" ? (m % 2 === 1 ? index.html : index.json) : undefined;
        const what = `${spec.name} #${m} (${mode}${server === index.html ? ", HTML index" : ""}): ${target.file}: ${mutant.what}`;
        let stderr = "";
        const env = process.env;
        const clean = Object.fromEntries(Object.entries(env).filter(([k]) => !VARS_DROPPED.test(k)));
        process.env = { ...clean, XDG_CACHE_HOME: caches[mode], ...(server ? { PATH: `${git.bin}:${env["PATH"] ?? ""}` } : {}) };
        const args = ["generate", join(dir, spec.lock), "-o", join(dir, "out.nix"), ...(server ? ["--index-url", server.simpleUrl, "--no-inspect"] : ["--offline"]), ...(spec.args ?? [])];
        const marks = { connections: guard.connections.length, json: index.json.requests.length, html: index.html.requests.length, git: git.calls().length };
        let code: number;
        try {
          code = await main(args, { stdout: () => {}, stderr: (t) => (stderr += t) });
        } finally {
          process.env = env;
        }
        outcomes[mode][code] = (outcomes[mode][code] ?? 0) + 1;
        const fail = (why: string) => problems.push(`${what}: ${why}\n${stderr.slice(0, 2000)}`);
        if (![0, 1, 2].includes(code)) fail(`exit status ${code}`);
        if (/^\s+at /m.test(stderr)) fail("a stack trace");
        if (stderr.includes("internal error")) fail("an internal error");
        if (stderr.split("\n").some((l) => l.length > 1000)) fail("a message line longer than 1,000 characters");
        const temporary = (f: string) => /(^|\/)\.[^/]*\.tmp$/.test(f);
        const left = filesIn(dir).filter(temporary);
        if (left.length > 0) fail(`temporary files left: ${left.join(", ")}`);
        // A failed run waits for its lookups still in flight: no cache write may start after main() returned.
        if (code !== 0 && mode === "online") {
          const stale = filesIn(caches[mode]).filter(temporary);
          if (stale.length > 0) fail(`temporary files in the cache after the run: ${stale.join(", ")}`);
        }

        // The network: only the loopback index given, PyPI never, another host only where the mutant names it.
        const texts = mutant.text.toString() + (target.file !== spec.lock ? lockText : "");
        const lowered = texts.toLowerCase();
        // A PyPI host may be tried only for a URL on it the mutation made (`https://pypi.org/sim"L2N_CANARYple` is not PyPI's index).
        const urlsOn = (text: string, host: string) => text.toLowerCase().match(new RegExp(`https?://${host.replace(/\./g, "\\.")}[^\\s"'<>,\\]}]*`, "g")) ?? [];
        const madeUrlOn = (host: string) => {
          const before = new Set(urlsOn(target.text, host));
          return urlsOn(mutant.text.toString(), host).some((u) => !before.has(u));
        };
        for (const c of guard.connections.slice(marks.connections)) {
          if (c.allowed && (!server || c.host !== "127.0.0.1" || c.port !== server.port)) fail(`a connection to ${c.host}:${c.port}`);
          if (!c.allowed) {
            seen.refused.add(c.host);
            if (!server) fail(`an offline run tried ${c.host}:${c.port}`);
            else if (PYPI_HOSTS.has(c.host) && !madeUrlOn(c.host)) fail(`PyPI tried (${c.host}:${c.port}) although --index-url replaces it`);
            else if (!lowered.includes(c.host.toLowerCase())) fail(`a host the lock does not name tried: ${c.host}:${c.port}`);
          }
        }
        for (const call of git.calls().slice(marks.git)) {
          seen.gitCalls++;
          if (!server) fail(`git run offline: git ${call.join(" ")}`);
          for (const arg of call.filter((a) => /^[a-z+]+:\/\/|^[^/\s]+@[^/\s]+:/.test(a))) {
            const host = /^(?:[a-z+]+:\/\/)?(?:[^@/]*@)?([^/:]+)/.exec(arg)?.[1]?.toLowerCase() ?? arg;
            if ((PYPI_HOSTS.has(host) && !madeUrlOn(host)) || !lowered.includes(host)) fail(`git asked for ${arg}, which the lock does not name`);
          }
        }
        const asked = [...index.json.requests.slice(marks.json), ...index.html.requests.slice(marks.html)];
        if (asked.length > 0) {
          if (!server) fail(`an offline run asked the index: ${asked.map((r) => r.path).join(", ")}`);
          const names = namesIn(texts);
          for (const r of asked) {
            seen.requests++;
            if (server === index.html) seen.htmlRequests++;
            const name = /^\/simple\/([a-z0-9]+(?:-[a-z0-9]+)*)\/$/.exec(r.path)?.[1];
            if (r.method !== "GET" || name === undefined) fail(`the index was asked ${r.method} ${r.path}`);
            else if (!names.has(name)) fail(`the index was asked for ${name}, which the lock does not name`);
            if (!r.accept?.includes("application/vnd.pypi.simple.v1+json")) fail(`the index was asked for ${r.path} with Accept: ${r.accept}`);
          }
        }

        if (code !== 0) {
          if (existsSync(join(dir, "out.nix"))) fail("an output file after a failure");
          if (!/^lock2nix: error: /m.test(stderr)) fail("a failure without an error message");
          continue;
        }
        if (mode === "online") onlineSuccesses[formatOf(spec.lock)] = (onlineSuccesses[formatOf(spec.lock)] ?? 0) + 1;
        const nix = readFileSync(join(dir, "out.nix"), "utf8");
        const outside = outsideStringLiterals(nix, CANARY);
        if (outside.length > 0) fail(`the canary outside a string literal: …${nix.slice(Math.max(0, (outside[0] as number) - 80), (outside[0] as number) + 40)}…`);
        if (nix.includes(CANARY)) canaried++;
        const file = join(outputs, `${spec.name}-${m}.nix`);
        writeFileSync(file, nix);
        generated.push({ file, what });
      }
      expect(problems).toEqual([]);
    },
    120_000,
  );

  it("reaches the emitter often enough to mean something, online too, and fails cleanly the rest of the time", () => {
    const count = (mode: Mode) => (outcomes[mode][0] ?? 0) + (outcomes[mode][1] ?? 0) + (outcomes[mode][2] ?? 0);
    expect(count("offline") + count("online")).toBe(LOCKS.length * PER_LOCK);
    expect(count("online")).toBe(LOCKS.reduce((sum, l) => sum + (PER_LOCK / 5) * l.online, 0));
    expect(outcomes.offline[0]).toBeGreaterThanOrEqual(30);
    expect(outcomes.offline[1]).toBeGreaterThanOrEqual(30);
    expect(outcomes.online[0]).toBeGreaterThanOrEqual(30);
    expect(outcomes.online[1]).toBeGreaterThanOrEqual(30);
    // The locks that cannot succeed offline do online.
    expect(onlineSuccesses["pipenv"] ?? 0).toBeGreaterThanOrEqual(PIPENV_FLOOR);
    expect(onlineSuccesses["requirements"] ?? 0).toBeGreaterThanOrEqual(REQUIREMENTS_FLOOR);
    expect(canaried).toBeGreaterThanOrEqual(8);
    // The guards saw traffic: the index was asked (in JSON and HTML), hosts were refused, git was stopped.
    expect(seen.requests).toBeGreaterThan(100);
    expect(seen.htmlRequests).toBeGreaterThan(0);
    expect(seen.refused.size).toBeGreaterThan(0);
  });

  it.skipIf(NIX_SKIP_REASON)("every output of a mutant parses as Nix", () => {
    expect(generated.length).toBeGreaterThan(0);
    try {
      execFileSync("nix-instantiate", ["--parse", ...generated.map((g) => g.file)], { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 28 });
    } catch {
      // Name each file that does not parse.
      const broken = generated.filter((g) => {
        try {
          execFileSync("nix-instantiate", ["--parse", g.file], { stdio: ["ignore", "ignore", "pipe"] });
          return false;
        } catch (err) {
          return String((err as { stderr?: Buffer }).stderr ?? err).length > 0;
        }
      });
      expect(broken.map((g) => g.what)).toEqual([]);
    }
  }, 120_000);

  afterAll(() => {
    console.log(
      `fuzz: offline ${JSON.stringify(outcomes.offline)}, online ${JSON.stringify(outcomes.online)} (exit status: mutants); online successes by format ${JSON.stringify(onlineSuccesses)}; ` +
        `${canaried} outputs hold the canary; ${seen.requests} index requests (${seen.htmlRequests} HTML), ${seen.gitCalls} git calls, refused: ${[...seen.refused].sort().join(", ")}`,
    );
  });
});
