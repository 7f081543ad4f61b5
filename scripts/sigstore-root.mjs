// Writes data/sigstore/trusted_root.json: Sigstore's production trusted root as the devDependency
// @sigstore/tuf ships it in seeds.json (base64), decoded, with no TUF network update.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const seeds = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8'));
const repo = seeds['https://tuf-repo-cdn.sigstore.dev'];
const encoded = repo?.targets?.['trusted_root.json'];
if (typeof encoded !== 'string') throw new Error('seeds.json holds no production trusted_root.json');
const root = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
const out = new URL('../data/sigstore/trusted_root.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(root, null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
