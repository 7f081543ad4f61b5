/**
 * Issue #12: a bounded fuzz test. A fixed seed turns a dozen real corpus locks
 * (every format) into ~300 mutants: byte flips, deleted, duplicated and
 * swapped lines, truncation, hostile strings (`"`, `${`, `$&`, `\n#`, NUL,
 * `'''`, very long strings, 2,000 nested parentheses), values swapped between
 * keys, and a canary (`L2N_CANARY` wrapped in hostile text) put into a string
 * value the way the format escapes it. Each runs through `main(generate …
 * --offline)` in-process: offline, a lock that needs the index stops with a
 * message, which is a valid outcome. For each: exit 0, 1 or 2 only, no stack
 * trace, no internal error, bounded message lines; on failure no output and no
 * temporary file; on success the canary only ever inside a Nix string literal
 * (or a comment), and every output parses (one nix-instantiate call).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { CORPUS, NIX_SKIP_REASON, tempDir } from "../helpers.js";

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

/** The locks mutated: small ones, every format. `lock` is the file mutated; `manifest` a companion mutated now and then. */
const LOCKS: { name: string; lock: string; manifest?: string; prepare?: (text: string) => string }[] = [
  { name: "poetry-p2n-legacy", lock: "poetry.lock", manifest: "pyproject.toml" },
  { name: "poetry-p2n-wandb", lock: "poetry.lock", manifest: "pyproject.toml" },
  { name: "poetry-p2n-git-deps", lock: "poetry.lock", manifest: "pyproject.toml" },
  { name: "poetry-p2n-dependency-groups", lock: "poetry.lock", manifest: "pyproject.toml" },
  { name: "uv-aws-lambda-example", lock: "uv.lock", manifest: "pyproject.toml" },
  { name: "pdm-pdm", lock: "pdm.lock", manifest: "pyproject.toml" },
  // The corpus' pylock.toml lists some wheels twice with different hashes (refused, see the pylock tests): each once here, so mutants get past that check.
  { name: "pylock-pipenv", lock: "pylock.toml", prepare: firstWheelOnly },
  { name: "pipenv-pipenv-examples", lock: "Pipfile.lock" },
  { name: "pipenv-requests-2017", lock: "Pipfile.lock" },
  { name: "reqs-netbox-2021", lock: "requirements.txt" },
  { name: "reqs-paperless-ngx-2022", lock: "requirements.txt" },
  { name: "reqs-sentry-frozen", lock: "requirements-frozen.txt" },
];
const PER_LOCK = 25;
const CANARY = "L2N_CANARY";

function firstWheelOnly(text: string): string {
  const seen = new Set<string>();
  return text
    .split("\n")
    .filter((line) => {
      const name = /^\s+\{name = "([^"]+)"/.exec(line)?.[1];
      if (name === undefined) return true;
      const first = !seen.has(name);
      seen.add(name);
      return first;
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
const outcomes = { 0: 0, 1: 0, 2: 0 } as Record<number, number>;
/** How many of the outputs hold the canary: the check below is not vacuous. */
let canaried = 0;

describe.skipIf(CORPUS_SKIP)("fuzzed corpus locks (fixed seed)", () => {
  const cache = tempDir("lock2nix-fuzz-cache-");
  const outputs = tempDir("lock2nix-fuzz-out-");

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
      const lockText = spec.prepare ? spec.prepare(base) : base;
      const manifest = spec.manifest && readFileSync(join(source, spec.manifest), "utf8");
      const problems: string[] = [];
      for (let m = 0; m < PER_LOCK; m++) {
        const dir = tempDir("lock2nix-fuzz-");
        cpSync(source, dir, { recursive: true });
        const target = manifest && rng.int(5) === 0 ? { file: spec.manifest as string, text: manifest } : { file: spec.lock, text: lockText };
        const mutant = mutate(rng, target.text, target.file);
        writeFileSync(join(dir, target.file), mutant.text);
        if (target.file !== spec.lock) writeFileSync(join(dir, spec.lock), lockText);
        const what = `${spec.name} #${m}: ${target.file}: ${mutant.what}`;
        let stderr = "";
        const env = process.env;
        process.env = { ...env, XDG_CACHE_HOME: cache };
        let code: number;
        try {
          code = await main(["generate", join(dir, spec.lock), "-o", join(dir, "out.nix"), "--offline"], { stdout: () => {}, stderr: (t) => (stderr += t) });
        } finally {
          process.env = env;
        }
        outcomes[code] = (outcomes[code] ?? 0) + 1;
        const fail = (why: string) => problems.push(`${what}: ${why}\n${stderr.slice(0, 2000)}`);
        if (![0, 1, 2].includes(code)) fail(`exit status ${code}`);
        if (/^\s+at /m.test(stderr)) fail("a stack trace");
        if (stderr.includes("internal error")) fail("an internal error");
        if (stderr.split("\n").some((l) => l.length > 1000)) fail("a message line longer than 1,000 characters");
        const left = filesIn(dir).filter((f) => /(^|\/)\.[^/]*\.tmp$/.test(f));
        if (left.length > 0) fail(`temporary files left: ${left.join(", ")}`);
        if (code !== 0) {
          if (existsSync(join(dir, "out.nix"))) fail("an output file after a failure");
          if (!/^lock2nix: error: /m.test(stderr)) fail("a failure without an error message");
          continue;
        }
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

  it("reaches the emitter often enough to mean something, and fails cleanly the rest of the time", () => {
    const total = LOCKS.length * PER_LOCK;
    expect((outcomes[0] ?? 0) + (outcomes[1] ?? 0) + (outcomes[2] ?? 0)).toBe(total);
    expect(outcomes[0]).toBeGreaterThanOrEqual(30);
    expect(outcomes[1]).toBeGreaterThanOrEqual(30);
    expect(canaried).toBeGreaterThanOrEqual(8);
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
    console.log(`fuzz: ${JSON.stringify(outcomes)} (exit status: mutants), ${canaried} outputs hold the canary`);
  });
});
