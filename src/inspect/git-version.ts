/**
 * The version a git-version plugin computes for a local tree, worked out
 * from `git describe` in the working tree at generate time: the sandbox
 * has no `.git`, so the derivation is told the version instead (the
 * plugin's bypass variable). Only the plugins' default formats are known;
 * anything else gives no version rather than a guessed one.
 */
import { execFileSync } from "node:child_process";

/** `git describe --tags --long`: the nearest tag, the commits since it and the commit. */
export interface Describe {
  tag: string;
  distance: number;
  commit: string;
}

const DESCRIBE = /^(.+)-(\d+)-g([0-9a-f]+)$/;

/** The nearest tag of `dir`'s checkout; undefined outside a checkout, with no tag, or without git. */
export function describe(dir: string): Describe | undefined {
  let out: string;
  try {
    out = execFileSync("git", ["-C", dir, "describe", "--tags", "--long", "--abbrev=7"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, LC_ALL: "C" },
      timeout: 10_000,
    }).trim();
  } catch {
    return undefined;
  }
  const m = DESCRIBE.exec(out);
  if (!m) return undefined;
  return { tag: m[1] as string, distance: Number(m[2]), commit: m[3] as string };
}

/** The release segment of a tag (`v1.2.3` → [1, 2, 3]), when the tag is a plain release. */
function releaseOf(tag: string): number[] | undefined {
  const text = tag.replace(/^v/i, "");
  return /^\d+(\.\d+)*$/.test(text) ? text.split(".").map(Number) : undefined;
}

const bumped = (release: number[]) => [...release.slice(0, -1), (release.at(-1) as number) + 1].join(".");

/**
 * The version `plugin` computes at `d`, in its default format:
 * setuptools-scm's guess-next-dev (also hatch-vcs, flit-scm), dunamai's
 * pep440 style (uv- and poetry-dynamic-versioning, `bump` as configured),
 * pdm-backend's and versioneer's defaults. Undefined for a tag that is not
 * a plain release (a pre-release tag's next version is plugin-specific).
 */
export function pluginVersion(plugin: string, d: Describe, options: { bump?: boolean } = {}): string | undefined {
  const release = releaseOf(d.tag);
  if (!release) return undefined;
  const base = release.join(".");
  if (d.distance === 0) return base;
  switch (plugin) {
    case "setuptools-scm":
    case "hatch-vcs":
    case "flit-scm":
    case "setuptools-git-versioning":
      return `${bumped(release)}.dev${d.distance}+g${d.commit}`;
    case "uv-dynamic-versioning":
    case "poetry-dynamic-versioning":
      return options.bump ? `${bumped(release)}.dev${d.distance}+${d.commit}` : `${base}.post${d.distance}.dev0+${d.commit}`;
    case "pdm-backend":
      return `${base}.post${d.distance}+g${d.commit}`;
    case "versioneer":
      return `${base}+${d.distance}.g${d.commit}`;
    default:
      return undefined;
  }
}
