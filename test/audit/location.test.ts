import { describe, expect, it } from "vitest";
import { lineOf } from "../../src/audit/location.js";

describe("the lock line a finding points at", () => {
  const poetry = ['[[package]]', 'name = "python-ldap"', 'version = "3.4.3"', "", '[[package]]', 'name = "python-ldap"', 'version = "3.4.4"'];

  it("is the entry at the finding's version when a lock lists a name more than once", () => {
    expect(lineOf(poetry, "python-ldap", "3.4.4")).toBe(6);
    expect(lineOf(poetry, "python-ldap", "3.4.3")).toBe(2);
    // A version no entry shows: the first that names the package.
    expect(lineOf(poetry, "python-ldap", "9.9")).toBe(2);
    expect(lineOf(poetry, "python-ldap")).toBe(2);
  });

  it("reads each format's spelling of a name, and none for a package the text does not name", () => {
    expect(lineOf(["# pins", "Django==4.2.1 \\", "    --hash=sha256:00"], "django", "4.2.1")).toBe(2);
    expect(lineOf(['{"default": {', '  "zope.interface": {', '    "version": "==6.0"'], "zope-interface", "6.0")).toBe(2);
    expect(lineOf(['name = "other"'], "absent", "1.0")).toBeUndefined();
    expect(lineOf(['name = "x"'], "", "1.0")).toBeUndefined();
  });
});
