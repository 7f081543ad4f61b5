import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LockedPackage } from "../../../src/model.js";
import type { RequirementsResult } from "../../../src/formats/requirements/index.js";
import { CORPUS, tempDir, SHARED_SKIP_REASON } from "../../helpers.js";
import { errorOf, read } from "./helpers.js";

const PYPI = { kind: "index", url: "https://pypi.org/simple", name: "pypi" };
const UNPINNED = "lock2nix turns locks into Nix and does not resolve versions; pin every requirement to one version with `==` (pip-compile and `uv pip compile` write such files)";

/** The package named `name`, with the lines requiring it as `file:line` relative to the case folder. */
function entry(result: RequirementsResult, caseDir: string, name: string): { pkg: LockedPackage | undefined; lines: string[] } {
  return {
    pkg: result.lock.packages.find((p) => p.name === name),
    lines: (result.origins.get(name) ?? []).map((s) => `${s.file.slice(caseDir.length + 1)}:${s.line}`),
  };
}

describe.skipIf(SHARED_SKIP_REASON)("requirements corpus", () => {
  it("reqs-netbox-2021: plain pins, mixed-case names, an extra", () => {
    const dir = join(CORPUS, "reqs-netbox-2021");
    const result = read(join(dir, "requirements.txt"));
    expect(result.lock.packages).toHaveLength(23);
    expect(result.lock.warnings).toEqual([]);
    expect(entry(result, dir, "django")).toMatchObject({ pkg: { version: "3.1.8", source: PYPI, artifacts: [] }, lines: ["requirements.txt:1"] });
    expect(entry(result, dir, "drf-yasg")).toMatchObject({ pkg: { version: "1.20.0" }, lines: ["requirements.txt:14"] });
    expect(entry(result, dir, "pillow")).toMatchObject({ pkg: { version: "8.1.2" }, lines: ["requirements.txt:19"] });
    expect(result.lock.root.groups["main"]?.find((d) => d.name === "drf-yasg")).toEqual({ name: "drf-yasg", extras: ["validation"] });
  });

  it("reqs-paperless-ngx-2022: -i, --extra-index-url, an editable git requirement, markers and extras", () => {
    const dir = join(CORPUS, "reqs-paperless-ngx-2022");
    const result = read(join(dir, "requirements.txt"));
    const index = { kind: "index", url: "https://pypi.python.org/simple", name: "pypi" };
    expect(result.lock.packages).toHaveLength(106);
    expect(result.lock.packages.filter((p) => p.source.kind === "index").every((p) => JSON.stringify(p.source) === JSON.stringify(index))).toBe(true);
    expect(entry(result, dir, "django-q")).toMatchObject({
      pkg: { version: "0", source: { kind: "git", url: "https://github.com/paperless-ngx/django-q.git", commit: "bf20d57f859a7d872d5979cd8879fac9c9df981c" } },
      lines: ["requirements.txt:32"],
    });
    expect(entry(result, dir, "scipy")).toMatchObject({ pkg: { version: "1.8.1" }, lines: ["requirements.txt:83"] });
    expect(result.lock.root.groups["main"]?.find((d) => d.name === "scipy")).toEqual({
      name: "scipy",
      extras: [],
      marker: 'python_version < "3.11" and python_version >= "3.8"',
    });
    expect(result.lock.root.groups["main"]?.find((d) => d.name === "fuzzywuzzy")).toEqual({ name: "fuzzywuzzy", extras: ["speedup"] });
    expect(entry(result, dir, "zope-interface").lines).toEqual(["requirements.txt:108"]);
    expect(result.indexes).toEqual([
      { url: "https://pypi.python.org/simple", name: "pypi" },
      { url: "https://www.piwheels.org/simple", name: "www.piwheels.org" },
    ]);
    expect(result.lock.root.indexes).toEqual([{ url: "https://www.piwheels.org/simple", name: "www.piwheels.org" }]);
    expect(result.lock.warnings).toEqual([]);
  });

  it("reqs-sentry-frozen: pip-compile output on a private --index-url, with the 'unsafe' trailer", () => {
    const dir = join(CORPUS, "reqs-sentry-frozen");
    const result = read(join(dir, "requirements-frozen.txt"));
    const index = { kind: "index", url: "https://pypi.devinfra.sentry.io/simple" };
    expect(result.lock.packages).toHaveLength(152);
    expect(result.lock.packages.every((p) => JSON.stringify(p.source) === JSON.stringify(index))).toBe(true);
    expect(entry(result, dir, "amqp")).toMatchObject({ pkg: { version: "5.3.1" }, lines: ["requirements-frozen.txt:9"] });
    expect(entry(result, dir, "setuptools")).toMatchObject({ pkg: { version: "70.0.0" }, lines: ["requirements-frozen.txt:162"] });
    expect(result.lock.warnings).toEqual([]);
  });

  it("reqs-uv-all-kinds: `uv pip compile` output with URL wheels, URL sdists and git at a commit", () => {
    const dir = join(CORPUS, "reqs-uv-all-kinds");
    const file = "test/requirements/compiled/all-kinds.txt";
    const result = read(join(dir, file));
    expect(result.lock.packages).toHaveLength(35);
    const flaskUrl = "https://files.pythonhosted.org/packages/36/42/015c23096649b908c809c69388a805a571a3bea44362fe87e33fc3afa01f/flask-3.0.0-py3-none-any.whl";
    const werkzeugUrl = "https://files.pythonhosted.org/packages/0d/cc/ff1904eb5eb4b455e442834dabf9427331ac0fa02853bf83db817a7dd53d/werkzeug-3.0.1.tar.gz";
    expect(entry(result, dir, "flask")).toEqual({
      pkg: expect.objectContaining({ version: "3.0.0", source: { kind: "url", url: flaskUrl }, artifacts: [{ filename: "flask-3.0.0-py3-none-any.whl", url: flaskUrl }] }),
      lines: [`${file}:23`],
    });
    expect(entry(result, dir, "werkzeug")).toEqual({
      pkg: expect.objectContaining({ version: "3.0.1", source: { kind: "url", url: werkzeugUrl } }),
      lines: [`${file}:73`],
    });
    expect(entry(result, dir, "pydantic-extra-types")).toEqual({
      pkg: expect.objectContaining({
        source: { kind: "git", url: "https://github.com/pydantic/pydantic-extra-types.git", commit: "5ebc5bba58605c656a821eed773973725e35cf83" },
      }),
      lines: [`${file}:45`],
    });
    expect(entry(result, dir, "pandas")).toMatchObject({ pkg: { version: "2.1.4", source: PYPI }, lines: [`${file}:38`] });
  });

  it("reqs-warehouse-main: pip-compile --generate-hashes, extras in pins", () => {
    const dir = join(CORPUS, "reqs-warehouse-main");
    const result = read(join(dir, "requirements/main.txt"));
    expect(result.lock.packages).toHaveLength(184);
    expect(result.lock.packages.every((p) => p.artifacts.length > 0 && p.artifacts.every((a) => a.filename === "" && /^[0-9a-f]{64}$/.test(a.sha256 ?? "")))).toBe(true);
    expect(entry(result, dir, "alembic")).toMatchObject({
      pkg: {
        version: "1.18.5",
        artifacts: [
          { filename: "", sha256: "06d8ba9d04558022f5395e9317de03d270f3dced49cee01f89fe7a13c26f14bc" },
          { filename: "", sha256: "1554982221dd17e9a749b53902407578eb305e453f71999e8c7f0a48389fff8e" },
        ],
      },
      lines: ["requirements/main.txt:7"],
    });
    expect(entry(result, dir, "celery")).toMatchObject({ pkg: { version: "5.6.3" }, lines: ["requirements/main.txt:199"] });
    expect(result.lock.root.groups["main"]?.find((d) => d.name === "celery")).toEqual({ name: "celery", extras: ["redis"] });
    expect(entry(result, dir, "setuptools")).toMatchObject({ pkg: { version: "81.0.0" }, lines: ["requirements/main.txt:2676"] });
    expect(result.lock.warnings).toEqual([]);
  });

  it("reqs-flask-dev-2025: a pip-compile set read from requirements/dev.txt", () => {
    const dir = join(CORPUS, "reqs-flask-dev-2025");
    const result = read(join(dir, "requirements/dev.txt"));
    expect(result.lock.packages).toHaveLength(54);
    expect(entry(result, dir, "alabaster")).toMatchObject({ pkg: { version: "1.0.0" }, lines: ["requirements/dev.txt:7"] });
    expect(entry(result, dir, "jinja2")).toMatchObject({ pkg: { version: "3.1.6" }, lines: ["requirements/dev.txt:67"] });
    expect(entry(result, dir, "virtualenv")).toMatchObject({ pkg: { version: "20.29.3" }, lines: ["requirements/dev.txt:199"] });
    expect(result.lock.warnings).toEqual([]);
  });

  it("reqs-edx-django-utils: requirements/test.txt reads (its django pin deleted, a '# via -c https://…' left behind)", () => {
    const dir = join(CORPUS, "reqs-edx-django-utils");
    const result = read(join(dir, "requirements/test.txt"));
    expect(result.lock.packages).toHaveLength(33);
    expect(result.lock.packages.some((p) => p.name === "django")).toBe(false);
    expect(entry(result, dir, "ddtrace")).toMatchObject({ pkg: { version: "3.15.0" }, lines: ["requirements/test.txt:23"] });
    expect(entry(result, dir, "zipp")).toMatchObject({ pkg: { version: "3.23.0" }, lines: ["requirements/test.txt:90"] });
    expect(result.lock.root.groups["main"]?.find((d) => d.name === "coverage")).toEqual({ name: "coverage", extras: ["toml"] });
  });

  it("reqs-edx-django-utils: the remote constraint file its constraints.txt includes is an error naming file and line", () => {
    const dir = join(CORPUS, "reqs-edx-django-utils");
    expect(errorOf(() => read(join(dir, "requirements/test.in")))).toBe(
      `${join(dir, "requirements/constraints.txt")}:12:1: constraint file https://raw.githubusercontent.com/edx/edx-lint/master/edx_lint/files/common_constraints.txt is remote: reading remote constraint files is not supported yet (lock2nix reads no network while reading a lock); download it and give its local path to \`-c\``,
    );
  });

  it("reqs-edx-django-utils: with the remote include removed, the constraints and the compiled files read", () => {
    const dir = tempDir();
    cpSync(join(CORPUS, "reqs-edx-django-utils"), dir, { recursive: true });
    const constraints = join(dir, "requirements/constraints.txt");
    const lines = readFileSync(constraints, "utf8").split("\n");
    expect(lines[11]).toMatch(/^-c https:\/\//);
    writeFileSync(constraints, lines.filter((_, i) => i !== 11).join("\n"));
    writeFileSync(join(dir, "requirements/all.txt"), "-c constraints.txt\n-r test.txt\n-r base.txt\n");
    const result = read(join(dir, "requirements/all.txt"));
    // test.txt's 33 and base.txt's django; constraints for packages nothing requires (diff-cover, doc8, backports.zoneinfo) add none.
    expect(result.lock.packages).toHaveLength(34);
    expect(entry(result, dir, "django")).toMatchObject({ pkg: { version: "4.2.25" }, lines: ["requirements/base.txt:13"] });
    expect(entry(result, dir, "asgiref").lines).toEqual(["requirements/test.txt:7", "requirements/base.txt:7"]);
    expect(result.lock.packages.some((p) => p.name === "diff-cover" || p.name === "backports-zoneinfo")).toBe(false);
  });

  it("reqs-celery: unpinned requirements, the first named by file and line (depth first through -r)", () => {
    const dir = join(CORPUS, "reqs-celery");
    expect(errorOf(() => read(join(dir, "requirements/test-ci-default.txt")))).toBe(
      `${join(dir, "requirements/extras/redis.txt")}:1:1: package kombu: \`kombu[redis]\` is not pinned (no version given): ${UNPINNED}`,
    );
  });

  it("reqs-textgen-webui-2024: wildcard pins, named by line", () => {
    const dir = join(CORPUS, "reqs-textgen-webui-2024");
    expect(errorOf(() => read(join(dir, "requirements.txt")))).toBe(
      `${join(dir, "requirements.txt")}:1:1: package accelerate: \`accelerate==0.25.*\` is not pinned (\`==0.25.*\` is a wildcard): ${UNPINNED}`,
    );
  });
});
