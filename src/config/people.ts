import { z } from 'zod';

/**
 * Who a setting names: a Slack user id (U…/W…), a user group id (S…), or an @handle (a user group's handle, or a
 * person's username). Groups and handles are resolved through Slack at run time (platform/slack/people.ts).
 */
export const personRef = z.string().regex(/^([UW][A-Z0-9]+|S[A-Z0-9]+|@[a-z0-9][a-z0-9._-]*)$/, {
  error: 'name people by user id (U0123ABCD), user group id (S0123ABCD) or @handle',
});

export const peopleRefs = (what: string) => z.array(personRef).default([]).describe(what);

export type PersonRef = z.infer<typeof personRef>;
