import { isAbsolute, resolve } from 'node:path';
import type { Env } from '../../../config/env.js';
import type { TicketsConfig } from '../../../config/tools-schema.js';
import { FileTicketProvider } from './file.js';
import { GitHubProvider } from './github.js';
import { JiraProvider } from './jira.js';
import type { TicketProvider } from './types.js';
import { ZendeskProvider } from './zendesk.js';

/** The configured ticket system; credentials were checked by loadConfig. Relative paths start at `baseDir`. */
export function createTicketProvider(tickets: TicketsConfig, env: Env, baseDir: string): TicketProvider {
  switch (tickets.provider) {
    case 'file':
      return new FileTicketProvider(isAbsolute(tickets.file) ? tickets.file : resolve(baseDir, tickets.file));
    case 'jira':
      return new JiraProvider({ baseUrl: env.JIRA_BASE_URL!, email: env.JIRA_EMAIL!, apiToken: env.JIRA_API_TOKEN! });
    case 'zendesk':
      return new ZendeskProvider({
        subdomain: env.ZENDESK_SUBDOMAIN!,
        email: env.ZENDESK_EMAIL!,
        apiToken: env.ZENDESK_API_TOKEN!,
        project: tickets.project ?? 'ZD',
      });
    case 'github': {
      const repo = env.GITHUB_REPO!;
      const project =
        tickets.project ??
        repo
          .split('/')[1]!
          .toUpperCase()
          .replace(/[^A-Z0-9_]/g, '_');
      return new GitHubProvider({ token: env.GITHUB_TOKEN!, repo, project, apiUrl: env.GITHUB_API_URL });
    }
  }
}
