// The package as a user's project gets it: `npm pack ./pkg`, and the tarball
// installed into an app's folder.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../../scripts/lib.mjs';

/** Packs pkg/ into `scratch` and installs the tarball into `app` (no lockfile, no save). */
export function installPackedPackage(app, scratch) {
  execFileSync('npm', ['pack', join(root, 'pkg'), '--pack-destination', scratch], { cwd: root, stdio: 'ignore' });
  const [tarball] = readdirSync(scratch).filter((name) => name.endsWith('.tgz'));
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', join(scratch, tarball)], {
    cwd: app,
    stdio: 'ignore',
  });
}
