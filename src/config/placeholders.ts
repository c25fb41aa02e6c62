/**
 * Values that only stand in for a real one, as shipped in .env.example (`xoxb-your-bot-token`, `sk-your-key`) or
 * common in guides (`<token>`, `changeme`). Slack and OpenAI would refuse them much later and less clearly, so
 * validation stops them with a message that says what they are.
 */
const PLACEHOLDER = /\byour[-_]|<[^>]+>|^(?:changeme|change-me|replace-me|todo|x{3,}|\.\.\.|…)$/i;

export const isPlaceholder = (value: string): boolean => PLACEHOLDER.test(value.trim());

/** The message never repeats the value: a real secret wrongly taken for a placeholder must not be printed. */
export const PLACEHOLDER_ERROR = 'is still a placeholder (as in .env.example): replace it with the real value';
