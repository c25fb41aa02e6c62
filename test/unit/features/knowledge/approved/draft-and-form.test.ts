import { describe, expect, it } from 'vitest';
import { ANSWER_MAX, parseDraft, QUESTION_MAX } from '../../../../../src/features/knowledge/approved/draft.js';
import {
  ANSWER_BLOCK,
  checkSubmission,
  draftModal,
  loadingModal,
  noticeModal,
  QUESTION_BLOCK,
  saveTargetOf,
  VALUE_INPUT,
} from '../../../../../src/features/knowledge/approved/save-modal.js';
import { LANGUAGES } from '../../../../../src/i18n/locales-map.js';
import { createTranslators } from '../../../../../src/i18n/translators.js';
import { viewErrors } from '../../../../fakes/slack-blocks.js';

const translators = createTranslators();
const en = translators.english;
const de = translators.forLocale('de-DE');
const ja = translators.forLocale('ja-JP');

const values = (question: string | null, answer: string | null) => ({
  [QUESTION_BLOCK]: { [VALUE_INPUT]: { value: question } },
  [ANSWER_BLOCK]: { [VALUE_INPUT]: { value: answer } },
});

describe('the model’s draft of an approved answer', () => {
  it('is taken when it has a question and an answer, tidied to what the form holds', () => {
    const long = 'x'.repeat(ANSWER_MAX + 50);
    const parsed = parseDraft(JSON.stringify({ question: '  How do I\n reset   my token? ', answer: long }));
    expect(parsed).toEqual({ draft: { question: 'How do I reset my token?', answer: expect.any(String) } });
    const { answer } = (parsed as { draft: { answer: string } }).draft;
    expect(answer).toHaveLength(ANSWER_MAX);
    expect(answer.endsWith('…')).toBe(true);
    const question = (
      parseDraft(JSON.stringify({ question: 'q'.repeat(400), answer: 'a' })) as { draft: { question: string } }
    ).draft.question;
    expect(question).toHaveLength(QUESTION_MAX);
  });

  it('says why it cannot be used: nothing written, not JSON, the wrong shape, no question', () => {
    expect(parseDraft(undefined)).toEqual({ problem: 'empty' });
    expect(parseDraft('{"question": "How')).toEqual({ problem: 'not_json' });
    expect(parseDraft('{"topic":"vpn"}')).toEqual({
      problem: 'wrong_shape',
    });
    expect(parseDraft('{"question":"  ","answer":"Reset it."}')).toEqual({
      problem: 'no_question',
    });
  });

  it('keeps an empty answer as empty, for the editor to write', () => {
    expect(parseDraft('{"question":"How do I reset my token?","answer":""}')).toEqual({
      draft: { question: 'How do I reset my token?', answer: '' },
    });
  });
});

describe('the Save as answer form', () => {
  it('accepts what an editor typed, whitespace tidied', () => {
    expect(checkSubmission(en, values(' How do I\nreset my token? ', '\nOpen the portal.\n\nThen restart.\n'))).toEqual(
      {
        ok: true,
        question: 'How do I reset my token?',
        answer: 'Open the portal.\n\nThen restart.',
      },
    );
  });

  it('refuses empty, too short and oversized fields, each on its own input', () => {
    expect(checkSubmission(en, values(null, null))).toEqual({
      ok: false,
      errors: {
        [QUESTION_BLOCK]: 'Please write the question (at least 5 characters).',
        [ANSWER_BLOCK]: 'Please write the answer.',
      },
    });
    expect(checkSubmission(en, values('q'.repeat(QUESTION_MAX + 1), 'a'.repeat(ANSWER_MAX + 1)))).toEqual({
      ok: false,
      errors: {
        [QUESTION_BLOCK]: 'Please shorten the question to 300 characters or fewer.',
        [ANSWER_BLOCK]: 'Please shorten the answer to 3,000 characters or fewer.',
      },
    });
    // A form whose inputs are missing altogether (a crafted payload) is refused the same way.
    expect(checkSubmission(en, {})).toMatchObject({ ok: false });
  });

  it('carries its thread and link through private_metadata, and only that', () => {
    const view = draftModal(
      en,
      { channel: 'C1', threadTs: '1.2', permalink: 'https://acme.slack.com/archives/C1/p12' },
      { question: 'How?', answer: 'Like this.' },
    );
    expect(saveTargetOf(view.private_metadata!)).toEqual({
      channel: 'C1',
      threadTs: '1.2',
      permalink: 'https://acme.slack.com/archives/C1/p12',
    });
    expect(saveTargetOf('not json')).toBeUndefined();
    expect(saveTargetOf('{"channel":"C1"}')).toBeUndefined();
  });

  it('shows why the fields are empty when the model wrote no draft, and escapes it', () => {
    const view = draftModal(
      en,
      { channel: 'C1', threadTs: '1.2', permalink: 'https://acme.slack.com/archives/C1/p12' },
      undefined,
      'The model said <!channel>.',
    );
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('The model said &lt;!channel&gt;. Please write the question and the answer yourself.');
    expect(text).not.toContain('initial_value');
    expect(text).toContain('<https://acme.slack.com/archives/C1/p12|this thread>');
  });
});

describe('the Save as answer form in the editor’s language', () => {
  const target = { channel: 'C1', threadTs: '1.2', permalink: 'https://acme.slack.com/archives/C1/p12' };
  const texts = (view: ReturnType<typeof draftModal>) =>
    JSON.stringify([view.title, view.submit, view.close, view.blocks]);

  it('is written in German for a German editor: title, buttons, labels and the link to the thread', () => {
    const view = draftModal(de, target, { question: 'Wie?', answer: 'So.' });
    expect(view.title).toEqual({ type: 'plain_text', text: 'Als Antwort speichern' });
    expect(view.submit).toEqual({ type: 'plain_text', text: 'Speichern' });
    expect(view.close).toEqual({ type: 'plain_text', text: 'Abbrechen' });
    const text = texts(view);
    expect(text).toContain('Aus <https://acme.slack.com/archives/C1/p12|diesem Thread>. Prüfe und bearbeite');
    expect(text).toContain('"text":"Frage"');
    expect(text).not.toContain('Question');
  });

  it('tells a Japanese editor in Japanese why the fields are empty, and refuses their fields in Japanese', () => {
    const view = draftModal(ja, target, undefined, ja.t('knowledge.save.draft_failed.cut_off'));
    expect(texts(view)).toContain('⚠️ モデルの下書きが途中で切れました。 質問と回答はご自身で入力してください。');
    expect(checkSubmission(ja, values('q'.repeat(QUESTION_MAX + 1), null))).toEqual({
      ok: false,
      errors: {
        [QUESTION_BLOCK]: '質問を300 文字以内に短くしてください。',
        [ANSWER_BLOCK]: '回答を入力してください。',
      },
    });
  });

  it('counts characters with each language’s plural forms and number format', () => {
    expect(checkSubmission(de, values('kurz', 'a'.repeat(ANSWER_MAX + 1)))).toEqual({
      ok: false,
      errors: {
        [QUESTION_BLOCK]: 'Bitte schreibe die Frage (mindestens 5 Zeichen).',
        [ANSWER_BLOCK]: 'Bitte kürze die Antwort auf höchstens 3.000 Zeichen.',
      },
    });
  });

  it('falls back to English for a language without a catalog', () => {
    const view = draftModal(translators.forLocale('ko-KR'), target, undefined);
    expect(view.title).toEqual({ type: 'plain_text', text: 'Save as answer' });
  });

  it('fits Slack’s limits for a modal (titles and buttons of 24 characters at most) in every language', () => {
    for (const language of LANGUAGES) {
      const t = translators.forLocale(language);
      for (const view of [
        loadingModal(t, target),
        noticeModal(t, target, t.t('knowledge.save.not_savable')),
        draftModal(t, target, { question: 'q?', answer: 'a' }),
        draftModal(t, target, undefined, t.t('knowledge.save.draft_failed.not_json')),
      ])
        expect(viewErrors(view as never), language).toEqual([]);
    }
  });
});
