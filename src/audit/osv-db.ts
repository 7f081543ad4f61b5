import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Lock2nixError } from "../errors.js";
import { normalizeName } from "../pep/normalize.js";
import { affects, parseAdvisory, type OsvAdvisory } from "./osv-match.js";

/**
 * An offline OSV database: a folder of per-advisory JSON files, as OSV's
 * PyPI export (`PyPI/all.zip`, unzipped) lays them out. Sub-folders are
 * read too, so a checkout of an advisory repository works as well.
 */
export class OsvDatabase {
  private constructor(
    /** PyPI project (normalized) -> advisories naming it. */
    private readonly byName: Map<string, OsvAdvisory[]>,
    readonly files: number,
  ) {}

  static load(dir: string): OsvDatabase {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      throw new Lock2nixError(`--osv-db ${dir}: no such folder`);
    }
    if (!stat.isDirectory()) throw new Lock2nixError(`--osv-db ${dir}: not a folder (unzip OSV's PyPI all.zip into one)`);
    const byName = new Map<string, OsvAdvisory[]>();
    let files = 0;
    const walk = (folder: string, depth: number) => {
      for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(folder, entry.name);
        if (entry.isDirectory() && depth < 4) walk(path, depth + 1);
        if (!entry.isFile() || !entry.name.endsWith(".json")) continue;
        let advisory: OsvAdvisory;
        try {
          advisory = parseAdvisory(JSON.parse(readFileSync(path, "utf8")), path);
        } catch (err) {
          throw new Lock2nixError(err instanceof SyntaxError ? `${path}: not valid JSON (${err.message})` : (err as Error).message);
        }
        files++;
        const names = new Set((advisory.affected ?? []).flatMap((a) => (a.package?.ecosystem === "PyPI" && a.package.name ? [normalizeName(a.package.name)] : [])));
        for (const name of names) {
          const list = byName.get(name);
          if (list) list.push(advisory);
          else byName.set(name, [advisory]);
        }
      }
    };
    walk(dir, 0);
    if (files === 0) throw new Lock2nixError(`--osv-db ${dir}: no OSV advisories (*.json) in it; unzip OSV's PyPI all.zip there`);
    return new OsvDatabase(byName, files);
  }

  /** Advisories that affect `name` (normalized) at `version`, by id. */
  lookup(name: string, version: string): OsvAdvisory[] {
    return (this.byName.get(name) ?? []).filter((a) => affects(a, name, version)).sort((a, b) => a.id.localeCompare(b.id));
  }
}
