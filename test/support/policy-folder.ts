import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * A folder of documents of the calling test's own, as `policies.dir` or a `kind: folder` source reads it: each entry
 * of `files` (a path inside the folder → its content) written there. Call it inside a test: the folder is removed
 * when that test has finished (after its `afterEach` hooks, which stop the app reading it).
 */
export function policyFolder(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-policies-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
