/**
 * Token-shaped test data, assembled at run time so that no string in the repository looks like a committed
 * credential to secret scanners. None of these is or was ever a real token.
 */
export const fakeToken = (prefix: 'xoxb' | 'xoxp' | 'sk', rest: string): string => `${prefix}-${rest}`;
