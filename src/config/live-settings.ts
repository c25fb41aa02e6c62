import { isDeepStrictEqual } from 'node:util';
import type { ChannelOverrideInput, FileConfig } from './file-schema.js';
import { readFileConfig } from './load.js';

/**
 * The settings as they are now. Everything that decides per event or per turn reads `current()` then, instead of
 * keeping the file it was built with, so a reloaded file or an admin's change applies to the next question.
 */
export interface SettingsSource {
  current(): FileConfig;
}

/** Settings that never change (the command line, tests of one component). */
export const fixedSettings = (file: FileConfig): SettingsSource => ({ current: () => file });

/** Per-channel settings admins set from Slack, by channel id; they sit on top of the file's. */
export type ChannelOverrides = Readonly<Record<string, ChannelOverrideInput>>;

export type ReloadResult = { ok: true; changed: string[]; restartNeeded: string[] } | { ok: false; problems: string[] };

/**
 * Sections read once at start-up (connections, the queue, the model client, indexes): a reload takes them in,
 * but they apply from the next restart. Everything else applies to the next event.
 */
const RESTART_SECTIONS = [
  'state',
  'queue',
  'openai',
  'rate_limits',
  'files',
  'tickets',
  'policies',
  'pricing',
  'context',
];

/** The file's settings with the admins' per-channel overrides on top, replaced whole on a reload. */
export class LiveSettings implements SettingsSource {
  private file: FileConfig;
  private overrides: ChannelOverrides = {};
  private merged: FileConfig;

  constructor(
    initial: FileConfig,
    private readonly path?: string,
  ) {
    this.file = initial;
    this.merged = initial;
  }

  current(): FileConfig {
    return this.merged;
  }

  /** The file alone, without overrides (what an override is shown against). */
  fromFile(): FileConfig {
    return this.file;
  }

  setOverrides(overrides: ChannelOverrides): void {
    if (isDeepStrictEqual(overrides, this.overrides)) return;
    this.overrides = overrides;
    this.apply();
  }

  /** Reads the file again; a file that does not validate changes nothing and says exactly what is wrong. */
  reload(): ReloadResult {
    if (!this.path) return { ok: true, changed: [], restartNeeded: [] };
    const read = readFileConfig(this.path);
    if ('problems' in read) return { ok: false, problems: read.problems };
    const before = this.file;
    const changed = Object.keys(read.file).filter(
      (k) => !isDeepStrictEqual(before[k as keyof FileConfig], read.file[k as keyof FileConfig]),
    );
    this.file = read.file;
    if (changed.length) this.apply();
    return { ok: true, changed, restartNeeded: changed.filter((k) => RESTART_SECTIONS.includes(k)) };
  }

  private apply(): void {
    const channels = { ...this.file.channels };
    for (const [id, { desk, ...rest }] of Object.entries(this.overrides)) {
      const entry = { ...channels[id], ...rest };
      if (desk === null) delete entry.desk;
      else if (desk) entry.desk = desk;
      channels[id] = entry;
    }
    this.merged = { ...this.file, channels };
  }
}
