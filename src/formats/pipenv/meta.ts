import { LockError, ParseError, type SourceLocation } from "../../errors.js";
import { registerSecret } from "../../redact.js";
import { credentialEnvName } from "../../index/credentials.js";
import type { PackageSource } from "../../model.js";
import { PYPI_SIMPLE_URL } from "../../model.js";
import { Fields, isTable } from "../fields.js";

/** The only `_meta.pipfile-spec` pipenv has written since 2017; locks older than that carry none. */
export const PIPFILE_SPEC = 6;

/** `_meta.sources`: the indexes of the Pipfile's `[[source]]` tables, in order. */
export interface PipenvSources {
  /** The first source: where entries without `index` come from (pipenv 2022.3.23 and later). */
  default: Extract<PackageSource, { kind: "index" }>;
  byName: Map<string, Extract<PackageSource, { kind: "index" }>>;
}

/** `$VAR` and `${VAR}`, which pipenv expands in source URLs (os.path.expandvars). */
const ENV_VAR = /\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/;

/**
 * Expands environment variables in a source URL as pipenv does. A variable
 * left unset in the URL's credentials drops them (the index client finds
 * credentials in ~/.netrc or LOCK2NIX_INDEX_<NAME>_*); anywhere else it is
 * an error, since the URL would be wrong.
 */
function expandUrl(url: string, name: string, f: Fields, warnings: string[]): string {
  const unset = new Set<string>();
  const expanded = url.replace(new RegExp(ENV_VAR, "g"), (whole, braced?: string, bare?: string) => {
    const variable = (braced ?? bare) as string;
    const value = process.env[variable];
    if (value === undefined) unset.add(variable);
    // pipenv's variables in source URLs hold credentials.
    registerSecret(value);
    return value ?? whole;
  });
  if (unset.size === 0) return expanded;
  const shown = [...unset].sort().join(", ");
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@(.*)$/i.exec(expanded);
  if (m && !ENV_VAR.test(m[3] as string)) {
    warnings.push(
      `source ${name} takes its credentials from environment variables that are not set (${shown}); lock2nix asks it without them: give them in ~/.netrc or as ${credentialEnvName(name, "USERNAME")} and ${credentialEnvName(name, "PASSWORD")}`,
    );
    return `${m[1]}${m[3]}`;
  }
  throw new LockError(`${f.where}: the url ${url} of source ${name} uses environment variables that are not set: ${shown}`, f.location);
}

/** Reads `_meta.sources`; without any, packages come from PyPI as pipenv's default source. */
export function readSources(meta: Fields, warnings: string[]): PipenvSources {
  const byName = new Map<string, Extract<PackageSource, { kind: "index" }>>();
  const list: Array<Extract<PackageSource, { kind: "index" }>> = [];
  (meta.optArray("sources") ?? []).forEach((raw, i) => {
    const where = `_meta.sources[${i}]`;
    if (!isTable(raw)) throw new ParseError(`${where} must be a table {name, url, verify_ssl}`, meta.location);
    const f = new Fields(raw, where, meta.location);
    const name = f.optString("name");
    const label = name ?? `#${i + 1}`;
    const url = expandUrl(f.string("url"), label, f, warnings);
    if (f.optBoolean("verify_ssl") === false) {
      warnings.push(`source ${label} (${url}) has verify_ssl = false; lock2nix still checks its TLS certificate when asking it for files`);
    }
    const source = { kind: "index" as const, url, ...(name !== undefined ? { name } : {}) };
    if (name !== undefined) {
      if (byName.has(name)) throw new ParseError(`${where}: a second source named \`${name}\``, meta.location);
      byName.set(name, source);
    }
    list.push(source);
  });
  return { default: list[0] ?? { kind: "index", url: PYPI_SIMPLE_URL, name: "pypi" }, byName };
}

/**
 * `_meta.requires`: `python_full_version = "3.11.4"` means exactly that
 * release, `python_version = "3.11"` any 3.11 (pipenv compares the leading
 * components). The full version wins when both are given, as in pipenv.
 */
export function readRequiresPython(meta: Fields): string[] | undefined {
  const requires = meta.sub("requires", "_meta.requires");
  if (!requires) return undefined;
  const full = requires.optString("python_full_version");
  const minor = requires.optString("python_version");
  for (const [key, value] of [["python_full_version", full], ["python_version", minor]] as const) {
    if (value !== undefined && !/^\d+(\.\d+)*$/.test(value)) {
      throw new ParseError(`_meta.requires: \`${key}\` must be a version such as "3.11", found "${value}"`, requires.location);
    }
  }
  if (full !== undefined) return [`==${full}`];
  if (minor !== undefined) return [`==${minor}.*`];
  return undefined;
}

/** Checks `_meta.pipfile-spec`: 6, or absent in locks from before it existed. */
export function readSpec(meta: Fields, location: SourceLocation): string | undefined {
  const spec = meta.raw("pipfile-spec");
  if (spec === undefined) return undefined;
  if (spec !== PIPFILE_SPEC) {
    throw new ParseError(
      `unsupported pipfile-spec ${JSON.stringify(spec)}: lock2nix reads Pipfile.lock spec ${PIPFILE_SPEC} (pipenv 8.3 and later) and older locks without one`,
      location,
    );
  }
  return String(spec);
}
