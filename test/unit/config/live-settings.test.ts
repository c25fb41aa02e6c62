import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../src/config/file-schema.js';
import { LiveSettings } from '../../../src/config/live-settings.js';
import { readFileConfig } from '../../../src/config/load.js';

function settingsFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-live-')), 'threadwise.yml');
  writeFileSync(path, text);
  return path;
}
const start = (path: string) => {
  const read = readFileConfig(path);
  if (!('file' in read)) throw new Error(read.problems.join('; '));
  return new LiveSettings(read.file, path);
};

describe('live settings', () => {
  it('take a valid file whole, say which sections apply only after a restart, and keep overrides on top', () => {
    const path = settingsFile('channels:\n  C1: { model: gpt-4o-mini }\n');
    const live = start(path);
    live.setOverrides({ C1: { instructions: 'Be brief.' } });
    expect(live.current().channels.C1).toEqual({ model: 'gpt-4o-mini', instructions: 'Be brief.' });
    expect(live.fromFile().channels.C1).toEqual({ model: 'gpt-4o-mini' });

    writeFileSync(path, 'channels:\n  C1: { model: gpt-4o }\nqueue:\n  concurrency: 8\n');
    expect(live.reload()).toEqual({ ok: true, changed: ['channels', 'queue'], restartNeeded: ['queue'] });
    expect(live.current().channels.C1).toEqual({ model: 'gpt-4o', instructions: 'Be brief.' });
  });

  it('keep the previous settings when the new file is invalid, unreadable or empty, naming each problem', () => {
    const path = settingsFile('defaults:\n  model: gpt-4o-mini\n');
    const live = start(path);
    writeFileSync(path, 'defaults:\n  max_output_tokens: 3\n  colour: red\n');
    const bad = live.reload();
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^THREADWISE_CONFIG \(.+\): defaults\.max_output_tokens /),
        expect.stringMatching(/defaults .*colour/),
      ]),
    );
    writeFileSync(path, 'defaults: [unclosed\n');
    expect(live.reload()).toMatchObject({ ok: false, problems: [expect.stringContaining('is not valid YAML')] });
    writeFileSync(path, '');
    expect(live.reload()).toMatchObject({ ok: false, problems: [expect.stringContaining('is empty')] });
    expect(live.current().defaults.model).toBe('gpt-4o-mini');
  });

  it('let an admin turn a channel’s help desk off where the file has one, and on where it has none', () => {
    const live = start(settingsFile('channels:\n  C1: { desk: { oncall: [S0ONCALL] } }\n'));
    live.setOverrides({ C1: { desk: null }, C2: { desk: { ...live.current().channels.C1!.desk!, sla_minutes: 5 } } });
    expect(live.current().channels.C1).toEqual({});
    expect(live.current().channels.C2?.desk).toMatchObject({ oncall: ['S0ONCALL'], sla_minutes: 5 });
    expect(live.fromFile().channels.C1?.desk).toMatchObject({ oncall: ['S0ONCALL'] });
  });

  it('without a file, have nothing to reload', () => {
    const live = new LiveSettings(fileConfigSchema.parse({}));
    expect(live.reload()).toEqual({ ok: true, changed: [], restartNeeded: [] });
  });
});
