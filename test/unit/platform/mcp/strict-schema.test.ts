import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { mcpTools, namespacedName } from '../../../../src/platform/mcp/mcp-tools.js';
import { toStrictToolSchema, withoutAddedNulls } from '../../../../src/platform/mcp/strict-schema.js';
import { strictnessProblem } from '../../../../src/platform/tools/json-schema.js';

const silent = pino({ level: 'silent' });

describe('an MCP tool’s input schema offered to the model', () => {
  it('becomes strict: optional properties required but nullable, extra properties closed, refused keywords dropped', () => {
    const out = toStrictToolSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        order: { type: 'string', minLength: 1 },
        note: { type: 'string', default: '' },
        filter: { type: 'object', properties: { since: { type: 'string' } } },
        tags: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
        mode: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['order'],
    });
    expect(out.strict).toBe(true);
    expect(strictnessProblem(out.schema)).toBeNull();
    expect(out.schema).toEqual({
      type: 'object',
      properties: {
        order: { type: 'string' },
        note: { type: ['string', 'null'] },
        filter: {
          type: ['object', 'null'],
          properties: { since: { type: ['string', 'null'] } },
          required: ['since'],
          additionalProperties: false,
        },
        tags: {
          type: ['array', 'null'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' } },
            required: ['name'],
            additionalProperties: false,
          },
        },
        mode: { anyOf: [{ anyOf: [{ type: 'string' }, { type: 'number' }] }, { type: 'null' }] },
      },
      required: ['order', 'note', 'filter', 'tags', 'mode'],
      additionalProperties: false,
    });
  });

  it('is offered non-strict, with the reason, when strict mode cannot say it (free-form maps, $ref, allOf)', () => {
    const map = toStrictToolSchema({
      type: 'object',
      properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
    });
    expect(map).toMatchObject({ strict: false, problem: '(root).labels is a map with free-form keys' });
    expect(map.schema.properties).toEqual({ labels: { type: 'object', additionalProperties: { type: 'string' } } });
    expect(toStrictToolSchema({ type: 'object', properties: { a: { $ref: '#/$defs/A' } } })).toMatchObject({
      strict: false,
    });
    expect(toStrictToolSchema({ type: 'object', properties: { a: { allOf: [{ type: 'string' }] } } })).toMatchObject({
      strict: false,
    });
  });

  it('sends the server only what the model filled in: the nulls it had to send for optional arguments are removed', () => {
    const schema = {
      type: 'object',
      properties: {
        order: { type: 'string' },
        note: { type: 'string' },
        clear: { type: ['string', 'null'] },
        f: { type: 'object', properties: { since: { type: 'string' } } },
      },
      required: ['order'],
    };
    expect(withoutAddedNulls({ order: '42', note: null, clear: null, f: { since: null } }, schema)).toEqual({
      order: '42',
      clear: null,
      f: {},
    });
  });
});

describe('MCP tool names', () => {
  const infos = [
    { name: 'search', inputSchema: { type: 'object' as const, properties: {} }, annotations: { readOnlyHint: true } },
    { name: 'issue.create', inputSchema: { type: 'object' as const, properties: {} } },
    { name: 'issue/create', inputSchema: { type: 'object' as const, properties: {} } },
    { name: 'x'.repeat(70), inputSchema: { type: 'object' as const, properties: {} } },
  ];
  const opts = {
    label: 'jira',
    readOnlyTools: 'annotated' as const,
    call: async () => ({ content: [] }),
    requestApproval: async () => ({ expiresAt: 0 }),
  };

  it('are namespaced by server, so servers cannot shadow each other or a built-in; colliding or too long names are left out', () => {
    const tools = mcpTools(infos, opts, silent);
    expect(tools.map((t) => t.name)).toEqual(['jira__search', 'jira__issue_create']);
    expect(namespacedName('github', 'search')).toBe('github__search');
    expect(tools.every((t) => t.server === 'jira')).toBe(true);
  });

  it('say which tools need the asker’s approval: only readOnlyHint runs without a click under "annotated"', () => {
    const [search, create] = mcpTools(infos, opts, silent);
    expect(search!.description).toBe('[jira] search');
    expect(create!.description).toContain('needs the asking user’s approval');
    const named = mcpTools(infos, { ...opts, readOnlyTools: ['issue.create'], allowedTools: ['issue.create'] }, silent);
    expect(named.map((t) => [t.name, t.description])).toEqual([['jira__issue_create', '[jira] issue.create']]);
  });
});
