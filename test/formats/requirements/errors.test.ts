import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../helpers.js";
import { errorOf, read, writeFiles } from "./helpers.js";

const H = "a".repeat(64);
const C = "0123456789abcdef0123456789abcdef01234567";
const UNPINNED = "lock2nix turns locks into Nix and does not resolve versions; pin every requirement to one version with `==` (pip-compile and `uv pip compile` write such files)";
const OPTIONS =
  "-i/--index-url, --extra-index-url, --no-index, -c/--constraint, -r/--requirement, -e/--editable, -f/--find-links, --no-binary, --only-binary, --prefer-binary, --require-hashes, --pre, --trusted-host, --use-feature, --global-option, --hash, -C/--config-settings";

/** Files (the first is read), and the message expected, `$D` standing for their folder. */
const CASES: Array<[string, Record<string, string>, string]> = [
  [
    "include cycle",
    { "a.txt": "six==1.16.0\n-r sub/b.txt\n", "sub/b.txt": "\n-r ../a.txt\n" },
    "$D/sub/b.txt:2:1: include cycle: $D/a.txt:2 includes $D/sub/b.txt, $D/sub/b.txt:2 includes $D/a.txt",
  ],
  ["a file including itself", { "a.txt": "-r a.txt\n" }, "$D/a.txt:1:1: include cycle: $D/a.txt:1 includes $D/a.txt"],
  [
    "--hash on an -e line",
    { "r.txt": `-e ./proj --hash=sha256:${H}\n`, "proj/setup.py": "" },
    "$D/r.txt:1:11: `--hash` is not allowed on an `-e` line: an editable project is built from its folder, so there is no file to check",
  ],
  [
    "a URL with a blank",
    { "r.txt": "https://example.org/a b/foo-1.0.tar.gz\n" },
    "$D/r.txt:1:22: a URL cannot hold blanks: write them as %20 in `https://example.org/a b/foo-1.0.tar.gz`",
  ],
  [
    "an unnamed path with a blank: the suggested URL escapes it",
    { "r.txt": "./my dir/foo\n", "my dir/foo/setup.py": "" },
    "$D/r.txt:1:1: cannot tell which package `./my dir/foo` is (the pyproject.toml or setup.cfg in my dir/foo gives no static name): write it as `name @ file://$D/my%20dir/foo`",
  ],
  [
    "unpinned: a range",
    { "r.txt": "six==1.16.0\nrequests>=2.31\n" },
    `$D/r.txt:2:1: package requests: \`requests>=2.31\` is not pinned (\`>=2.31\` allows more than one version): ${UNPINNED}`,
  ],
  [
    "unpinned: no version",
    { "r.txt": "requests[socks] ; python_version > '3'\n" },
    `$D/r.txt:1:1: package requests: \`requests[socks]\` is not pinned (no version given): ${UNPINNED}`,
  ],
  [
    "unpinned: a wildcard",
    { "r.txt": "numpy==1.24.*\n" },
    `$D/r.txt:1:1: package numpy: \`numpy==1.24.*\` is not pinned (\`==1.24.*\` is a wildcard): ${UNPINNED}`,
  ],
  [
    "unpinned: several clauses",
    { "r.txt": "numpy==1.24.4,!=1.24.3\n" },
    `$D/r.txt:1:1: package numpy: \`numpy==1.24.4,!=1.24.3\` is not pinned (\`==1.24.4,!=1.24.3\` allows more than one version): ${UNPINNED}`,
  ],
  [
    "a hash of another algorithm, on a continuation line",
    { "r.txt": `six==1.16.0 \\\n    --hash=sha256:${H} \\\n    --hash=md5:0123\n` },
    "$D/r.txt:3:5: `--hash=md5:…` uses md5: lock2nix pins every file by its sha256, so only `--hash=sha256:…` can be read (pip-compile --generate-hashes writes sha256)",
  ],
  [
    "a hash without its algorithm",
    { "r.txt": `six==1.16.0 --hash=${H}\n` },
    `$D/r.txt:1:13: \`--hash=${H}\` must name its algorithm and digest, like \`--hash=sha256:<64 hex digits>\``,
  ],
  ["a short sha256", { "r.txt": "six==1.16.0 --hash sha256:abc\n" }, "$D/r.txt:1:13: `--hash=sha256:abc`: a sha256 digest is 64 hex digits"],
  [
    "a git ref that is not a commit",
    { "r.txt": "foo @ git+https://github.com/o/foo.git@v1.0\n" },
    "$D/r.txt:1:1: package foo: `foo @ git+https://github.com/o/foo.git@v1.0`: a git requirement must name a full commit (`@<40 hex digits>`), found `v1.0`: lock2nix needs a commit, and a branch or tag can move",
  ],
  [
    "a git URL without a ref",
    { "r.txt": "git+https://github.com/o/foo.git#egg=foo\n" },
    "$D/r.txt:1:1: package foo: `git+https://github.com/o/foo.git#egg=foo`: a git requirement must name a full commit (`@<40 hex digits>`), found no revision: lock2nix needs a commit, and a branch or tag can move",
  ],
  [
    "a git URL without a name",
    { "r.txt": `git+https://github.com/o/foo.git@${C}\n` },
    `$D/r.txt:1:1: cannot tell which package \`git+https://github.com/o/foo.git@${C}\` is: add \`#egg=name\` or write it as \`name @ git+https://github.com/o/foo.git@${C}\``,
  ],
  [
    "another VCS",
    { "r.txt": `foo @ hg+https://hg.example.org/foo@${C}\n` },
    `$D/r.txt:1:1: package foo: \`foo @ hg+https://hg.example.org/foo@${C}\`: lock2nix fetches git repositories only, not hg`,
  ],
  ["an unknown option", { "r.txt": "six==1.16.0\n--frobnicate\n" }, `$D/r.txt:2:1: unknown option \`--frobnicate\` (pip's requirements files accept ${OPTIONS})`],
  ["an unknown short option", { "r.txt": "-x foo\n" }, `$D/r.txt:1:1: unknown option \`-x\` (pip's requirements files accept ${OPTIONS})`],
  ["an ambiguous abbreviation", { "r.txt": "--no foo\n" }, "$D/r.txt:1:1: ambiguous option `--no` (could be --no-binary, --no-index)"],
  ["a flag given a value", { "r.txt": "--pre=yes\n" }, "$D/r.txt:1:1: option `--pre` takes no value"],
  ["an option missing its value", { "r.txt": "--index-url\n" }, "$D/r.txt:1:1: option `--index-url` needs a value"],
  ["a word after the options", { "r.txt": "-r a.txt b.txt\n" }, "$D/r.txt:1:10: unexpected `b.txt` after the options: a line holds one requirement, written before its options"],
  ["an unclosed quote", { "r.txt": "-r 'unterminated\n" }, "$D/r.txt:1:4: cannot split the options as a shell would: No closing quotation"],
  [
    "a bad marker",
    { "r.txt": "foo==1.0 ; python_version <\n" },
    "$D/r.txt:1:28: invalid requirement: Expected a marker variable or quoted string\n    foo==1.0 ; python_version <\n                               ^",
  ],
  [
    "a bad marker on a continuation line",
    { "r.txt": "six==1.16.0 \\\n  ; python_version == 3\n" },
    "$D/r.txt:2:23: invalid requirement: Expected a marker variable or quoted string\n    six==1.16.0   ; python_version == 3\n                                      ^",
  ],
  [
    "a bad requirement",
    { "r.txt": "foo =! 1.0\n" },
    "$D/r.txt:1:5: invalid requirement: Expected semicolon (after name with no version specifier) or end\n    foo =! 1.0\n        ^",
  ],
  [
    "bad extras on a path",
    { "r.txt": "./pkg[a b]\n" },
    "$D/r.txt:1:9: invalid requirement: Expected comma between extra names\n    ./pkg[a b]\n            ^",
  ],
  [
    "conflicting pins",
    { "r.txt": "six==1.16.0\n-r more.txt\n", "more.txt": "Six==1.15.0\n" },
    "$D/more.txt:1:1: package six: `Six==1.15.0` conflicts with `six==1.16.0` ($D/r.txt:1): a package is pinned once, or once per environment marker",
  ],
  [
    "a pin a constraint forbids",
    { "r.txt": "-c c.txt\nsix==1.16.0\n", "c.txt": "six<1.16\n" },
    "$D/r.txt:2:1: package six: `six==1.16.0` conflicts with constraint `six<1.16` ($D/c.txt:1)",
  ],
  [
    "a constraint's pin the requirement forbids",
    { "r.txt": "-c c.txt\nsix>=1.16\n", "c.txt": "six==1.15.0\n" },
    "$D/r.txt:2:1: package six: `six>=1.16` conflicts with constraint `six==1.15.0` ($D/c.txt:1)",
  ],
  [
    "a URL requirement and a constraint with another URL",
    { "r.txt": "-c c.txt\nfoo @ https://example.org/foo-1.0.tar.gz\n", "c.txt": "foo @ https://example.org/foo-2.0.tar.gz\n" },
    "$D/r.txt:2:1: package foo: `foo @ https://example.org/foo-1.0.tar.gz` conflicts with constraint `foo @ https://example.org/foo-2.0.tar.gz` ($D/c.txt:1)",
  ],
  [
    "a URL requirement's version a constraint forbids",
    { "r.txt": "-c c.txt\nfoo @ https://example.org/foo-1.0.tar.gz\n", "c.txt": "foo>=2\n" },
    "$D/r.txt:2:1: package foo: `foo @ https://example.org/foo-1.0.tar.gz` conflicts with constraint `foo>=2` ($D/c.txt:1)",
  ],
  ["a missing include", { "r.txt": "-r nope.txt\n" }, "$D/r.txt:1:1: cannot read requirements file $D/nope.txt: no such file"],
  [
    "a remote requirements file",
    { "r.txt": "-r https://example.org/reqs.txt\n" },
    "$D/r.txt:1:1: requirements file https://example.org/reqs.txt is remote: reading remote requirements files is not supported yet (lock2nix reads no network while reading a lock); download it and give its local path to `-r`",
  ],
  [
    "an editable archive URL",
    { "r.txt": "-e https://example.org/foo.tar.gz\n" },
    "$D/r.txt:1:4: `-e https://example.org/foo.tar.gz` is not a valid editable requirement: it should be a path to a local project or a VCS URL (such as git+https://…)",
  ],
  ["two -e on a line", { "r.txt": "-e . -e ./x\n" }, "$D/r.txt:1:6: one `-e` per line: pip reads only the first"],
  ["-r and -c on a line", { "r.txt": "-r a.txt -c b.txt\n" }, "$D/r.txt:1:10: one `-r` or `-c` per line: pip reads only the first"],
  [
    "conflicting index URLs",
    { "r.txt": "-i https://a.example.org/simple\n-r more.txt\n", "more.txt": "--index-url https://b.example.org/simple\n" },
    "$D/more.txt:1:1: conflicting `--index-url`: https://b.example.org/simple here, https://a.example.org/simple at $D/r.txt:1 (pip would use only the last)",
  ],
  [
    "an editable constraint",
    { "r.txt": "-c c.txt\nfoo==1\n", "c.txt": "-e ./foo\n" },
    "$D/c.txt:1:1: `-e ./foo`: editable requirements are not allowed as constraints (pip refuses them too)",
  ],
  [
    "an unnamed constraint",
    { "r.txt": "-c c.txt\nfoo==1\n", "c.txt": "./foo\n" },
    "$D/c.txt:1:1: `./foo`: unnamed requirements are not allowed as constraints (pip refuses them too)",
  ],
  [
    "--require-hashes with a requirement lacking one",
    { "r.txt": `--require-hashes\nsix==1.16.0 --hash=sha256:${H}\nidna==3.6\n` },
    "$D/r.txt:3:1: package idna: `idna==3.6` has no `--hash`, but `--require-hashes` ($D/r.txt:1) asks a hash of every requirement; pip would refuse this file",
  ],
  [
    "some requirements hashed, others not",
    { "r.txt": `six==1.16.0 --hash=sha256:${H}\nidna==3.6\n` },
    "$D/r.txt:2:1: package idna: `idna==3.6` has no `--hash`, but other requirements have one (`six==1.16.0` at $D/r.txt:1), which puts pip in hash-checking mode for every requirement; pip would refuse this file",
  ],
  [
    "--no-index with --find-links",
    { "r.txt": "--no-index\n--find-links /wheels\nsix==1.16.0\n" },
    "$D/r.txt:3:1: package six: `six==1.16.0` can only come from the find-links location /wheels ($D/r.txt:2), as `--no-index` ($D/r.txt:1) turns the index off; lock2nix does not support --find-links",
  ],
  [
    "--no-index alone",
    { "r.txt": "--no-index\nsix==1.16.0\n" },
    "$D/r.txt:2:1: package six: `six==1.16.0` needs a package index, but `--no-index` ($D/r.txt:1) turns it off",
  ],
  [
    "a URL that names no package",
    { "r.txt": "https://example.org/main.tar.gz\n" },
    "$D/r.txt:1:1: cannot tell which package `https://example.org/main.tar.gz` is: write it as `name @ https://example.org/main.tar.gz` (or add `#egg=name`)",
  ],
  [
    "a wheel of another package",
    { "r.txt": "foo @ https://example.org/bar-1.0-py3-none-any.whl\n" },
    "$D/r.txt:1:1: package foo: `foo @ https://example.org/bar-1.0-py3-none-any.whl`: the wheel bar-1.0-py3-none-any.whl is of bar, not foo",
  ],
  [
    "a local folder that is no project",
    { "r.txt": "./missing\n" },
    "$D/r.txt:1:1: cannot tell which package `./missing` is (no pyproject.toml, setup.cfg or setup.py in missing): write it as `name @ file://$D/missing`",
  ],
  [
    "a hash on a git requirement",
    { "r.txt": `foo @ git+https://x.org/foo@${C} --hash=sha256:${H}\n` },
    `$D/r.txt:1:1: package foo: \`foo @ git+https://x.org/foo@${C}\` has \`--hash\`, but a git repository has no file to check it against (pip refuses this too)`,
  ],
  [
    "two hashes for one URL",
    { "r.txt": `foo @ https://x.org/foo-1.0.tar.gz --hash=sha256:${H} --hash=sha256:${"b".repeat(64)}\n` },
    "$D/r.txt:1:1: package foo: `foo @ https://x.org/foo-1.0.tar.gz` names one file but gives 2 different hashes",
  ],
  ["--no-binary without names", { "r.txt": "--no-binary\n" }, "$D/r.txt:1:1: option `--no-binary` needs a value"],
  [
    "a version in #egg=",
    { "r.txt": `git+https://x.org/foo@${C}#egg=foo==1.0\n` },
    `$D/r.txt:1:1: \`#egg=foo==1.0\` in \`git+https://x.org/foo@${C}#egg=foo==1.0\` is not a package name (PEP 508)`,
  ],
];

describe("requirements files: malformed input", () => {
  it.each(CASES)("%s", (_what, files, expected) => {
    const dir = tempDir();
    writeFiles(dir, files);
    const message = errorOf(() => read(join(dir, Object.keys(files)[0] as string)));
    expect(message.split(dir).join("$D")).toBe(expected);
  });
});
