import { describe, expect, it } from 'vitest';
import { ANSWER_MAX, parseDraft, QUESTION_MAX } from '../../../../../src/features/knowledge/approved/draft.js';
import {
  ANSWER_BLOCK,
  checkSubmission,
  draftModal,
  QUESTION_BLOCK,
  saveTargetOf,
  VALUE_INPUT,
} from '../../../../../src/features/knowledge/approved/save-modal.js';

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
    expect(parseDraft(undefined)).toEqual({ problem: 'the model wrote nothing' });
    expect(parseDraft('{"question": "How')).toEqual({ problem: 'the model’s draft was not valid JSON' });
    expect(parseDraft('{"topic":"vpn"}')).toEqual({
      problem: 'the model’s draft did not have a question and an answer',
    });
    expect(parseDraft('{"question":"  ","answer":"Reset it."}')).toEqual({
      problem: 'the model found no question in the thread',
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
    expect(checkSubmission(values(' How do I\nreset my token? ', '\nOpen the portal.\n\nThen restart.\n'))).toEqual({
      ok: true,
      question: 'How do I reset my token?',
      answer: 'Open the portal.\n\nThen restart.',
    });
  });

  it('refuses empty, too short and oversized fields, each on its own input', () => {
    expect(checkSubmission(values(null, null))).toEqual({
      ok: false,
      errors: {
        [QUESTION_BLOCK]: 'Please write the question (at least 5 characters).',
        [ANSWER_BLOCK]: 'Please write the answer.',
      },
    });
    expect(checkSubmission(values('q'.repeat(QUESTION_MAX + 1), 'a'.repeat(ANSWER_MAX + 1)))).toEqual({
      ok: false,
      errors: {
        [QUESTION_BLOCK]: `Please shorten the question to ${QUESTION_MAX} characters or fewer.`,
        [ANSWER_BLOCK]: `Please shorten the answer to ${ANSWER_MAX} characters or fewer.`,
      },
    });
    // A form whose inputs are missing altogether (a crafted payload) is refused the same way.
    expect(checkSubmission({})).toMatchObject({ ok: false });
  });

  it('carries its thread and link through private_metadata, and only that', () => {
    const view = draftModal(
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
