/** PEP 503: runs of `-`, `_` and `.` become one `-`, lower case. */
export function normalizeName(name: string): string {
  // Most names met are normalized already (the lock model's are): no new string then.
  if (NORMALIZED.test(name)) return name;
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

const NORMALIZED = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** PEP 685: extras are normalized like names. */
export const normalizeExtra = normalizeName;

/** PEP 508 names: letters and digits, with `-_.` inside. */
const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

export function isValidName(name: string): boolean {
  return VALID_NAME.test(name);
}
