export { generate, writeFileAtomic, type GenerateOptions, type GenerateResult } from "./generate.js";
export { readLock } from "./formats/index.js";
export { resolveLock, type Resolution, type ResolveOptions } from "./resolve/index.js";
export type { Lock, LockedPackage, Dependency, Artifact, PackageSource, RootProject } from "./model.js";
export { Lock2nixError, ParseError, LockError, UsageError } from "./errors.js";
export { VERSION } from "./version.js";
