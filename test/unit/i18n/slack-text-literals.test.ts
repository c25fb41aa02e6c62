// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the scan's own tests feed it TypeScript source as strings
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import en from '../../../src/i18n/locales/en.json' with { type: 'json' };
import { CATALOGS } from '../../../src/i18n/translators.js';
import { scanSlackText } from '../../support/slack-text-scan.js';

/**
 * The guard for issue 19's "every string the bot itself writes comes from a catalog": it reads every source file
 * and fails on English words written as literal Slack text (a Block Kit or Web API text field, a `mrkdwn` template,
 * `respond(…)`; see test/support/slack-text-scan.ts for what counts). Someone who adds
 * `respond({ text: 'Sorry, that failed.' })` or `title: { type: 'plain_text', text: 'Settings' }` sees this test
 * name the file and line; the fix is a catalog key (en.json plus de, fr, es, ja, pt-BR) and `t.t(…)`.
 *
 * What is allowed stays listed here with its reason, and an entry that no longer matches anything fails too, so the
 * list cannot silently outgrow the code. Out of scope: src/cli (terminal output) and src/config (schema
 * descriptions and validation messages, which operators read).
 */
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

interface Allowed {
  file: string;
  /** The literal starts with this. */
  text: string;
  why: string;
}

const ALLOWED: Allowed[] = [
  {
    file: 'features/answering/shortcuts.ts',
    text: 'About this message from',
    why: 'the question as the model reads it (the turn’s input), never posted to Slack',
  },
  {
    file: 'features/knowledge/search-knowledge.ts',
    text: 'Approved answer:',
    why: 'the source title the model and the desk read; Slack shows Source.label from the catalog',
  },
  {
    file: 'features/knowledge/sources/confluence.ts',
    text: 'Confluence source',
    why: 'the service name in the HTTP errors of a sync, quoted like the service’s own words',
  },
  {
    file: 'features/knowledge/sources/google-drive.ts',
    text: 'Google Drive source',
    why: 'the service name in the HTTP errors of a sync, quoted like the service’s own words',
  },
  {
    file: 'features/knowledge/sources/notion.ts',
    text: 'Notion source',
    why: 'the service name in the HTTP errors of a sync, quoted like the service’s own words',
  },
  {
    file: 'features/knowledge/sources/zendesk-guide.ts',
    text: 'Zendesk Guide source',
    why: 'the service name in the HTTP errors of a sync, quoted like the service’s own words',
  },
  { file: 'features/knowledge/sources/confluence.ts', text: 'Labels:', why: 'document text for the index' },
  { file: 'features/knowledge/sources/notion.ts', text: 'Untitled', why: 'document text for the index' },
  { file: 'features/triage/triage-flow.ts', text: 'Report:', why: 'a ticket title in the ticket system' },
  {
    file: 'platform/slack/files/sniff.ts',
    text: 'binary',
    why: 'a marker for “no type known”; the skip reason is the catalog’s unsupported_binary',
  },
  { file: 'features/desk/candidates.ts', text: 'Question:', why: 'an earlier thread as the desk’s model reads it' },
  {
    file: 'platform/slack/payloads.ts',
    text: '⚠️ Slack sent me that request without the details I need',
    why: 'a payload that does not parse names nobody whose language could be looked up: the English fallback',
  },
  {
    file: 'platform/store/redact-person.ts',
    text: '[This message was removed',
    why: 'what the model reads in place of a message its author had removed',
  },
  { file: 'turn/run-turn.ts', text: 'add credit or raise', why: 'a field of a log line' },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const hits = sourceFiles(src)
  .map((f) => relative(src, f).split('\\').join('/'))
  .filter((f) => !f.startsWith('cli/') && !f.startsWith('config/'))
  .flatMap((f) => scanSlackText(f, readFileSync(join(src, f), 'utf8')));
const allows = (a: Allowed, h: { file: string; text: string }) => h.file === a.file && h.text.startsWith(a.text);

describe('the text the bot writes to Slack', () => {
  it('has no English literal outside the catalogs, except the listed ones', () => {
    const leaks = hits
      .filter((h) => !ALLOWED.some((a) => allows(a, h)))
      .map((h) => `${h.file}:${h.line}: ${h.text.slice(0, 80)}`);
    expect(leaks, 'use a catalog key (src/i18n/locales/*.json) and t.t(…) for these').toEqual([]);
  });

  it('allows nothing that is no longer there', () => {
    const stale = ALLOWED.filter((a) => !hits.some((h) => allows(a, h))).map((a) => `${a.file}: ${a.text}`);
    expect(stale, 'remove these entries from ALLOWED').toEqual([]);
  });

  it('is caught by the scan in each form Slack text is written in', () => {
    const leaks = scanSlackText(
      'example.ts',
      [
        "const SORRY = 'Sorry, I could not do that.';",
        "await respond({ response_type: 'ephemeral', text: SORRY });",
        "const view = { title: { type: 'plain_text', text: 'Channel settings' } };",
        "await ack({ response_action: 'errors', errors: { question: 'Please type your question.' } });",
        'const line = mrkdwn`${mention(user)} asked about this`;',
        "await client.chat.postMessage({ channel, text: ok ? 'Done' : `Failed: ${why}` });",
        "const blocks = [{ type: 'context', elements: [{ type: 'mrkdwn', text: ['Fix it', x].join(' ') }] }];",
        'const text = `Saved ${n} answers`; await client.chat.postEphemeral({ channel, user, text });',
      ].join('\n'),
    ).map((h) => h.text);
    expect(leaks).toEqual([
      'Sorry, I could not do that.',
      'Channel settings',
      'Please type your question.',
      'asked about this',
      'Done',
      'Failed:',
      'Fix it',
      'Saved   answers',
    ]);
  });

  it('lets through what is not words: catalog lookups, values, code, model input', () => {
    const clean = scanSlackText(
      'example.ts',
      [
        "await respond({ text: t.t('triage.expired') });",
        'const field = { type: "mrkdwn", text: mrkdwn`*${label}*\\n${value}` };',
        'const id = { text: `\\`${ticket.id}\\`` };',
        "const input = [{ type: 'input_text', text: `Questions:\\n${list}` }];",
        "const header = { type: 'plain_text', text: 'Threadwise' };",
      ].join('\n'),
    );
    expect(clean).toEqual([]);
  });
});

describe('modal titles and buttons in every language', () => {
  it('fit Slack’s 24 characters', () => {
    for (const [language, catalog] of Object.entries(CATALOGS)) {
      const { modal_title, modal_submit, modal_close } = (catalog as typeof en).shortcut;
      for (const text of [modal_title, modal_submit, modal_close])
        expect(text.length, `${language}: ${text}`).toBeLessThanOrEqual(24);
    }
  });
});
