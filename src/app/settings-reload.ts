import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { LiveSettings, ReloadResult } from '../config/live-settings.js';
import type { Translator } from '../i18n/translators.js';
import type { Logger } from '../platform/observability/logger.js';
import { mrkdwn } from '../platform/slack/mrkdwn.js';

/** Editors save in bursts (truncate, write, rename): one reload once the file has been quiet this long. */
const SETTLE_MS = 150;

export interface SettingsReloader {
  /** Reads the file now (SIGHUP does the same). */
  reload(reason: 'signal' | 'file changed' | 'request'): ReloadResult;
  close(): void;
}

/**
 * Reloads THREADWISE_CONFIG on SIGHUP and whenever the file changes, validated first. A file that does not
 * validate keeps the previous settings; the log and the admins (a DM each) are told exactly what is wrong, once per
 * distinct set of problems.
 */
export function reloadSettings(deps: {
  settings: LiveSettings;
  path: string | undefined;
  log: Logger;
  /** DMs `limits.admins`, each in their language. */
  tellAdmins: (text: (t: Translator) => string) => Promise<void>;
}): SettingsReloader {
  const { settings, path, log } = deps;
  let lastRefusal = '';
  const reload = (reason: 'signal' | 'file changed' | 'request'): ReloadResult => {
    const result = settings.reload();
    if (result.ok) {
      lastRefusal = '';
      log.info({ reason, changed: result.changed, restart_needed: result.restartNeeded }, 'settings reloaded');
      if (result.restartNeeded.length)
        log.warn({ sections: result.restartNeeded }, 'these changed settings apply after a restart');
      return result;
    }
    log.error({ reason, problems: result.problems }, 'settings file refused; the previous settings stay in force');
    const told = result.problems.join('\n');
    if (told !== lastRefusal) {
      lastRefusal = told;
      // The problems are the settings validation's own words (about YAML keys), quoted as they are.
      const text = (t: Translator) =>
        [
          t.t('admin_alert.settings_refused', { path: mrkdwn`${path ?? ''}` }),
          ...result.problems.map((p) => mrkdwn`• ${p}`),
          t.t('admin_alert.settings_fix'),
        ].join('\n');
      void deps.tellAdmins(text).catch((err: Error) => log.warn({ err: { message: err.message } }, 'admins not told'));
    }
    return result;
  };

  const onSignal = () => void reload('signal');
  process.on('SIGHUP', onSignal);
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (path) {
    const file = resolve(path);
    // The folder, not the file: editors that save by renaming a new file into place replace the watched inode.
    watcher = watch(dirname(file), (_event, name) => {
      if (name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => reload('file changed'), SETTLE_MS);
    });
    watcher.on('error', (err) => log.warn({ err: { message: err.message } }, 'cannot watch the settings file'));
  }
  return {
    reload,
    close() {
      process.off('SIGHUP', onSignal);
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
