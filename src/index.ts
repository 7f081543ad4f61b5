export { generate, recordedOptionsFor, writeFileAtomic, type GenerateOptions, type GenerateResult } from "./generate.js";
export { loadConfig, parseConfig, CONFIG_FILE, type Lock2nixConfig, type ProjectConfig } from "./config/index.js";
export {
  runJobs,
  type Job,
  type RunOptions,
  type RunResult,
  type Report,
  type ProjectReport,
  type ProjectStatus,
  type PackageReport,
  type BuildReport,
  type OverrideReport,
} from "./config/run.js";
export { parseHeader, staleReasons, unifiedDiff, type OutputHeader, type DiffNames } from "./check.js";
export type { IndexClient, IndexFile, IndexLocation } from "./index/types.js";
export type { NixSystem } from "./resolve/target.js";
export { readLock } from "./formats/index.js";
export { resolveLock, type Resolution, type ResolveOptions } from "./resolve/index.js";
export type { Lock, LockedPackage, Dependency, Artifact, PackageSource, RootProject } from "./model.js";
export { Lock2nixError, ParseError, LockError, UsageError } from "./errors.js";
export { VERSION } from "./version.js";
