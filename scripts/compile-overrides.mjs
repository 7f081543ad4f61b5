// Part of `npm run build`: validates the override library and writes it as
// one JSON file (dist/overrides.json), which runs read instead of the YAML
// files while its fingerprint matches them.
import { compileLibrary, compiledLibraryFile } from "../dist/overrides/index.js";
import { writeFileAtomic } from "../dist/fs.js";

writeFileAtomic(compiledLibraryFile(), compileLibrary());
