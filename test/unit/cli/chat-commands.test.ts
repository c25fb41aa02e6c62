import { describe, expect, it } from 'vitest';
import { parseChatLine } from '../../../src/cli/chat-commands.js';

describe('typing into threadwise chat', () => {
  it('sends plain text as a message and understands the commands', () => {
    expect(parseChatLine('  why is it slow?  ')).toEqual({ kind: 'message', text: 'why is it slow?', imagePaths: [] });
    expect(parseChatLine('')).toEqual({ kind: 'empty' });
    expect(parseChatLine('/new')).toEqual({ kind: 'new' });
    expect(parseChatLine('/quit')).toEqual({ kind: 'exit' });
    expect(parseChatLine('/help')).toEqual({ kind: 'help' });
    expect(parseChatLine('/image shot.png what is this?')).toEqual({
      kind: 'message',
      text: 'what is this?',
      imagePaths: ['shot.png'],
    });
    expect(parseChatLine('/image')).toEqual({ kind: 'unknown', command: '/image needs a file path' });
    expect(parseChatLine('/deploy now')).toEqual({ kind: 'unknown', command: '/deploy' });
  });

  it('lets a message start with a slash when it is doubled', () => {
    expect(parseChatLine('//usr/bin is full')).toEqual({ kind: 'message', text: '/usr/bin is full', imagePaths: [] });
  });
});
