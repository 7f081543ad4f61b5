/**
 * What an sdist says about its own build, gathered from its member names and
 * the few members worth reading (pyproject.toml, setup.py, Cargo.lock), in
 * whatever order the archive lists them.
 */
import { posix } from "node:path";
import { ParseError } from "../errors.js";
import { parseToml, type TomlTable } from "../formats/toml.js";

export type NativeKind = "c" | "c++" | "cython" | "rust" | "fortran" | "cmake" | "meson";

/** The order kinds are reported in. */
export const NATIVE_KINDS: readonly NativeKind[] = ["c", "c++", "cython", "rust", "fortran", "cmake", "meson"];

export interface SdistFacts {
  /** `[build-system] requires` of the top-level pyproject.toml, as written. */
  buildRequires?: string[];
  /** `[build-system] build-backend`. */
  buildBackend?: string;
  /** Whether the sdist has a pyproject.toml at its top folder. */
  hasPyproject: boolean;
  /** The Cargo.lock of the Rust crate the Python build compiles. */
  cargoLock?: string;
  /** Where that Cargo.lock sits, relative to the sdist's top folder (e.g. `src/rust/Cargo.lock`). */
  cargoLockPath?: string;
  /** Kinds of native code found among the member names, in NATIVE_KINDS order. */
  nativeSources: NativeKind[];
  /**
   * Top-level modules the built package installs, for nixpkgs' pythonImportsCheck: those its
   * `*.egg-info/top_level.txt` lists, else the one package or module named as the project; absent
   * when neither is there (never a guess).
   */
  importNames?: string[];
}

/** Receives an archive's members; the tar and zip readers drive it. */
export interface MemberSink {
  /** One member; true when its content is wanted (then `content` follows for regular files). */
  entry(path: string, type: "file" | "directory" | "other", size: number): boolean;
  content(path: string, data: Buffer): void;
  warn(message: string): void;
}

const EXTENSION_KINDS: Readonly<Record<string, NativeKind>> = {
  ".c": "c",
  ".h": "c",
  ".cpp": "c++",
  ".cc": "c++",
  ".cxx": "c++",
  ".c++": "c++",
  ".hpp": "c++",
  ".hh": "c++",
  ".hxx": "c++",
  ".pyx": "cython",
  ".pxd": "cython",
  ".pxi": "cython",
  ".rs": "rust",
  ".f": "fortran",
  ".for": "fortran",
  ".f77": "fortran",
  ".f90": "fortran",
  ".f95": "fortran",
  ".f03": "fortran",
  ".f08": "fortran",
};
const NAME_KINDS: Readonly<Record<string, NativeKind>> = { "CMakeLists.txt": "cmake", "meson.build": "meson" };

const MiB = 1024 * 1024;
/** Largest member read, by kind; a larger one is skipped with a warning. */
const LIMITS: Readonly<Record<string, number>> = { "pyproject.toml": MiB, "setup.py": MiB, "Cargo.lock": 16 * MiB, "top_level.txt": 64 * 1024 };

/** Folders an sdist ships that a wheel seldom installs: never named for an import check. */
const NOT_INSTALLED = new Set(["test", "tests", "testing", "doc", "docs", "example", "examples", "benchmark", "benchmarks", "scripts", "tools"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Largest total kept in memory from one archive. */
const TOTAL_LIMIT = 64 * MiB;

/** Archive paths as a list of parts: `./a//b/` and `a\b` both become `a/b`. */
export function splitPath(raw: string): string[] {
  return raw.replaceAll("\\", "/").split("/").filter((p) => p !== "" && p !== ".");
}

export function nativeKindOf(basename: string): NativeKind | undefined {
  if (Object.hasOwn(NAME_KINDS, basename)) return NAME_KINDS[basename];
  const dot = basename.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const ext = basename.slice(dot).toLowerCase();
  return Object.hasOwn(EXTENSION_KINDS, ext) ? EXTENSION_KINDS[ext] : undefined;
}

export class SdistCollector implements MemberSink {
  private readonly kinds = new Set<NativeKind>();
  private readonly kept = new Map<string, string>();
  private readonly present = new Set<string>();
  private readonly cargoTomls = new Set<string>();
  private readonly tops = new Set<string>();
  private topLevelFile = false;
  private keptBytes = 0;
  /** `pkg/__init__.py` and `mod.py` paths directly under the top folder or its `src/`. */
  private readonly modules = new Set<string>();
  readonly warnings: string[] = [];

  /** `project`: the PEP 503-normalized project name, when known, for the import check. */
  constructor(private readonly filename: string, private readonly project?: string) {}

  warn(message: string): void {
    this.warnings.push(`${this.filename}: ${message}`);
  }

  entry(raw: string, type: "file" | "directory" | "other", size: number): boolean {
    const parts = splitPath(raw);
    if (parts.length === 0) return false;
    this.tops.add(parts[0]!);
    if (parts.length === 1 && type !== "directory") this.topLevelFile = true;
    if (type !== "file") return false;
    const path = parts.join("/");
    const base = parts[parts.length - 1]!;
    const kind = nativeKindOf(base);
    if (kind) this.kinds.add(kind);
    if (base === "Cargo.toml") this.cargoTomls.add(path);
    if (parts.length <= 4 && (base === "__init__.py" || base.endsWith(".py"))) this.modules.add(path);
    const topLevel = base === "top_level.txt" && parts.length <= 4 && (parts[parts.length - 2] ?? "").endsWith(".egg-info");
    const wanted = base === "Cargo.lock" || topLevel || ((base === "pyproject.toml" || base === "setup.py") && parts.length <= 2);
    if (!wanted) return false;
    this.present.add(path);
    if (size > LIMITS[base]! || this.keptBytes + size > TOTAL_LIMIT) {
      this.warn(`${path} is too large to read (${size} bytes); ignored`);
      return false;
    }
    this.keptBytes += size;
    return true;
  }

  content(raw: string, data: Buffer): void {
    this.kept.set(splitPath(raw).join("/"), data.toString("utf8"));
  }

  /** The sdist's top folder (`name-1.0`), or "" when the members do not share one. */
  private root(): string {
    return this.tops.size === 1 && !this.topLevelFile ? [...this.tops][0]! : "";
  }

  finish(): SdistFacts {
    const root = this.root();
    const at = (rel: string) => (root ? `${root}/${rel}` : rel);
    const facts: SdistFacts = {
      hasPyproject: this.present.has(at("pyproject.toml")),
      nativeSources: NATIVE_KINDS.filter((k) => this.kinds.has(k)),
    };
    const pyproject = this.pyproject(this.kept.get(at("pyproject.toml")));
    const buildSystem = table(pyproject?.["build-system"]);
    const requires = buildSystem?.["requires"];
    if (Array.isArray(requires) && requires.every((r) => typeof r === "string")) facts.buildRequires = requires;
    else if (requires !== undefined) this.warn("pyproject.toml: [build-system] requires is not a list of strings; ignored");
    const backend = buildSystem?.["build-backend"];
    if (typeof backend === "string") facts.buildBackend = backend;

    const imports = this.importNames(root);
    if (imports) facts.importNames = imports;

    const manifests = [...manifestsIn(pyproject), ...manifestsInSetupPy(this.kept.get(at("setup.py")))];
    const lock = this.cargoLock(root, manifests);
    if (lock) {
      facts.cargoLockPath = lock;
      facts.cargoLock = this.kept.get(at(lock));
    }
    return facts;
  }

  private importNames(root: string): string[] | undefined {
    const at = (rel: string) => (root ? `${root}/${rel}` : rel);
    for (const base of ["", "src/"]) {
      const listed = [...this.kept.keys()].filter((p) => p.startsWith(at(base)) && new RegExp(`^[^/]+\\.egg-info/top_level\\.txt$`).test(p.slice(at(base).length)));
      if (listed.length === 1) {
        const names = (this.kept.get(listed[0]!) ?? "").split(/\r?\n/).map((l) => l.trim()).filter((n) => IDENTIFIER.test(n) && !NOT_INSTALLED.has(n.toLowerCase()));
        if (names.length > 0) return [...new Set(names)].sort();
      }
    }
    if (!this.project) return undefined;
    const module = this.project.replace(/-/g, "_");
    if (!IDENTIFIER.test(module)) return undefined;
    for (const base of ["", "src/"]) {
      if (this.modules.has(at(`${base}${module}/__init__.py`)) || this.modules.has(at(`${base}${module}.py`))) return [module];
    }
    return undefined;
  }

  private pyproject(text: string | undefined): TomlTable | undefined {
    if (text === undefined) return undefined;
    try {
      return parseToml(text, "pyproject.toml");
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.warn(`${err.format()}; its build system is unknown`);
      return undefined;
    }
  }

  /**
   * The Cargo.lock, relative to the top folder, of the first manifest named
   * that exists: beside it or, for a workspace member, in a folder above, as
   * cargo looks. Without a named manifest, the top-most Cargo.lock that has a
   * Cargo.toml beside it.
   */
  private cargoLock(root: string, manifests: string[]): string | undefined {
    const rel = (path: string) => (root ? path.slice(root.length + 1) : path);
    const locks = new Set([...this.kept.keys()].filter((p) => /(^|\/)Cargo\.lock$/.test(p)).map(rel));
    const tomls = new Set([...this.cargoTomls].filter((p) => !root || p.startsWith(`${root}/`)).map(rel));
    for (const written of manifests) {
      const manifest = posix.normalize(written.replaceAll("\\", "/")).replace(/^\.\//, "");
      if (manifest.startsWith("../") || !tomls.has(manifest)) continue;
      for (let dir = posix.dirname(manifest); ; dir = posix.dirname(dir)) {
        const lock = dir === "." ? "Cargo.lock" : `${dir}/Cargo.lock`;
        if (locks.has(lock)) return lock;
        if (dir === ".") break;
      }
      this.warn(`${manifest} has no Cargo.lock beside it or above it`);
      return undefined;
    }
    const beside = [...locks].filter((lock) => tomls.has(lock.replace(/Cargo\.lock$/, "Cargo.toml")));
    const depth = (p: string) => p.split("/").length;
    beside.sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
    return beside[0];
  }
}

function table(value: unknown): TomlTable | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as TomlTable) : undefined;
}

/** Cargo.toml paths pyproject.toml points at: maturin's manifest-path, setuptools-rust's ext-modules and bins. */
function manifestsIn(pyproject: TomlTable | undefined): string[] {
  const tool = table(pyproject?.["tool"]);
  const found: string[] = [];
  const maturin = table(tool?.["maturin"])?.["manifest-path"];
  if (typeof maturin === "string") found.push(maturin);
  const rust = table(tool?.["setuptools-rust"]);
  for (const key of ["ext-modules", "bins"]) {
    const list = rust?.[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const path = table(item)?.["path"];
      found.push(typeof path === "string" ? path : "Cargo.toml");
    }
  }
  return found;
}

/** Cargo.toml paths written as string literals in setup.py, as setuptools-rust's RustExtension takes them. */
function manifestsInSetupPy(text: string | undefined): string[] {
  if (text === undefined) return [];
  return [...text.matchAll(/["']([^"'\n]*Cargo\.toml)["']/g)].map((m) => m[1]!);
}
