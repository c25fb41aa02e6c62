// `npm start`'s prestart (and the e2e tests' set-up): compiles src/ into dist/ unless dist/ is newer than every input,
// so a start after a change (an edit, a pull) runs the change, and a start without one does not wait for the compiler
// (tsc takes seconds even when its incremental build has nothing to do).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.tsbuildinfo');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The latest modification time of a file, or of any file under a folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

const changed = Math.max(...INPUTS.map((p) => newest(join(root, p))));
if (!existsSync(stamp) || statSync(stamp).mtimeMs < changed) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write('dist/ is missing or older than src/, and TypeScript is not installed: run `npm ci` first\n');
    process.exit(1);
  }
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  // tsc leaves its build info alone when nothing changed; the stamp must still say "built after the inputs".
  const now = new Date();
  utimesSync(stamp, now, now);
}
