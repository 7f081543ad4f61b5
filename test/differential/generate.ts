/** Generated PEP 440 / PEP 508 cases for the differential tests, from a seeded random source. */

export type Random = () => number;

const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const chance = (r: Random, p: number) => r() < p;

const NUMBERS = ["0", "1", "2", "3", "9", "10", "12", "2024", "00", "01", "9007199254740993", "18446744073709551617"];
const SEP = ["", "", ".", "-", "_"];
const PRE = ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "A", "RC", "Beta"];
const POST = ["post", "rev", "r", "POST"];
const LOCAL = ["abc", "1", "cu118", "ubuntu1", "0", "Local", "2a"];
const JUNK = ["1..0", "1.0+", "1.0-", "a1.0", "1.0_final", "1.0.x", "", " ", "1.0+a..b", "1!", "!1.0", "1.0-dev-1", "1.0a1a2", "v", "1.0 .post1"];

export function version(r: Random): string {
  if (chance(r, 0.04)) return pick(r, JUNK);
  let v = chance(r, 0.05) ? "v" : "";
  if (chance(r, 0.1)) v += `${pick(r, NUMBERS)}!`;
  const parts = 1 + Math.floor(r() * 4);
  v += Array.from({ length: parts }, () => pick(r, NUMBERS)).join(".");
  if (chance(r, 0.3)) v += pick(r, SEP) + pick(r, PRE) + pick(r, SEP) + (chance(r, 0.8) ? pick(r, NUMBERS) : "");
  if (chance(r, 0.2)) v += chance(r, 0.3) ? `-${pick(r, NUMBERS)}` : pick(r, SEP) + pick(r, POST) + pick(r, SEP) + (chance(r, 0.8) ? pick(r, NUMBERS) : "");
  if (chance(r, 0.2)) v += pick(r, SEP) + (chance(r, 0.9) ? "dev" : "DEV") + (chance(r, 0.8) ? pick(r, NUMBERS) : "");
  if (chance(r, 0.15)) {
    const n = 1 + Math.floor(r() * 3);
    v += "+" + Array.from({ length: n }, () => pick(r, LOCAL)).join(pick(r, [".", "-", "_"]));
  }
  if (chance(r, 0.03)) v = ` ${v}\t`;
  return v;
}

/** Versions close to each other, so orderings and the exclusive rules are exercised. */
export function nearVersion(r: Random): string {
  const release = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, ["0", "1", "2"])).join(".");
  let v = (chance(r, 0.1) ? "1!" : "") + release;
  if (chance(r, 0.3)) v += pick(r, ["a", "b", "rc"]) + pick(r, ["0", "1"]);
  if (chance(r, 0.3)) v += `.post${pick(r, ["0", "1", "2"])}`;
  if (chance(r, 0.25)) v += `.dev${pick(r, ["0", "1"])}`;
  if (chance(r, 0.15)) v += `+${pick(r, ["abc", "1", "cu118", "1.2"])}`;
  return v;
}

const OPS = ["==", "!=", "<=", ">=", "<", ">", "~=", "==="];

export function specifier(r: Random, near = true): string {
  const op = pick(r, OPS);
  const v = near && chance(r, 0.8) ? nearVersion(r) : version(r);
  const wildcard = chance(r, 0.15) ? ".*" : "";
  return `${op}${chance(r, 0.1) ? " " : ""}${v}${wildcard}`;
}

export function specifierSet(r: Random): string {
  const n = 1 + Math.floor(r() * 3);
  return Array.from({ length: n }, () => specifier(r)).join(pick(r, [",", ", ", " ,"]));
}

const PYTHONS = ["3.8", "3.10", "3.12", "3.13", "3.13.0a1", "3.13.0", "3.13.1", "3.14.0rc1", "3", "3.12.*", "3.*", "2.7"];
const STRINGS: Readonly<Record<string, readonly string[]>> = {
  sys_platform: ["linux", "darwin", "win32", "cygwin"],
  platform_system: ["Linux", "Darwin", "Windows"],
  platform_machine: ["x86_64", "aarch64", "arm64", "AMD64", "i686"],
  os_name: ["posix", "nt"],
  implementation_name: ["cpython", "pypy"],
  platform_python_implementation: ["CPython", "PyPy"],
};
const VERSION_VARS = ["python_version", "python_full_version", "implementation_version", "platform_release"];

function comparison(r: Random): string {
  if (chance(r, 0.5)) {
    const variable = pick(r, VERSION_VARS);
    const value = variable === "platform_release" ? pick(r, ["5.10", "6.1.0", "6.12.0", "23.6.0", "6"]) : pick(r, PYTHONS);
    const op = pick(r, [...OPS, "in", "not in"]);
    return chance(r, 0.85) ? `${variable} ${op} "${value}"` : `"${value}" ${op} ${variable}`;
  }
  const variable = pick(r, Object.keys(STRINGS));
  const op = pick(r, ["==", "!=", "in", "not in", "==", "!="]);
  const value = chance(r, 0.2) ? pick(r, STRINGS[variable] as string[]).slice(0, 3) : pick(r, STRINGS[variable] as string[]);
  return `${variable} ${op} '${value}'`;
}

export function marker(r: Random, depth = 0): string {
  if (depth > 2 || chance(r, 0.5)) return comparison(r);
  const a = marker(r, depth + 1);
  const b = marker(r, depth + 1);
  const joined = `${a} ${pick(r, ["and", "or"])} ${b}`;
  return chance(r, 0.4) ? `(${joined})` : joined;
}
