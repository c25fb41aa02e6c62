// Private file hosting for the fake: Slack file objects and the url_private(_download) route.
// Slack serves private files only with `Authorization: Bearer <bot token>` (files:read); without it
// the URL answers HTTP 200 with an HTML sign-in page rather than an error (slackapi/bolt-js#2585).
// On Enterprise Grid the download may 302 to another host (files-origin), modelled by redirectTo.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FakeFileInput, fileTypeOf, type SlackFileObject, type StoredFile } from './slack-model.js';

const LOGIN_PAGE =
  '<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>' +
  '<body><form id="signin_form" action="/" method="post"><h1>Sign in to your workspace</h1></form></body></html>';

export function buildStoredFile(input: FakeFileInput, baseUrl: string, teamId: string): StoredFile {
  const bytes = Buffer.from(input.bytes);
  const [filetype, prettyType] = fileTypeOf(input.name, input.mimetype);
  const name = encodeURIComponent(input.name);
  const created = Math.floor(Date.now() / 1000);
  const object: SlackFileObject = {
    id: input.id,
    created,
    timestamp: created,
    name: input.name,
    title: input.title ?? input.name,
    mimetype: input.mimetype,
    filetype,
    pretty_type: prettyType,
    user: 'U0UPLOADER',
    user_team: teamId,
    size: bytes.length,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: false,
    url_private: `${baseUrl}/files-pri/${teamId}-${input.id}/${name}`,
    url_private_download: `${baseUrl}/files-pri/${teamId}-${input.id}/download/${name}`,
    permalink: `${baseUrl}/files/U0UPLOADER/${input.id}/${name}`,
    permalink_public: `${baseUrl}/files-pub/${teamId}-${input.id}-0000000000/${name}`,
    ...(input.original_w !== undefined ? { original_w: input.original_w } : {}),
    ...(input.original_h !== undefined ? { original_h: input.original_h } : {}),
  };
  return { input, bytes, object };
}

export interface DownloadRecord {
  fileId: string;
  authorized: boolean;
  status: number;
}

/** Answers GET /files-pri/<team>-<id>/[download/]<name>. */
export function serveDownload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: {
    teamOfToken: (authorization: string | undefined) => string | undefined;
    filesOf: (teamId: string) => Map<string, StoredFile> | undefined;
  },
): DownloadRecord {
  const m = /^\/files-pri\/([^/-]+)-([^/]+)\/(?:download\/)?[^/]+$/.exec(url.pathname);
  const fileId = m ? decodeURIComponent(m[2]!) : '';
  // A bot token opens only its own workspace's files.
  const tokenTeam = ctx.teamOfToken(req.headers.authorization);
  const authorized = tokenTeam !== undefined;
  const f = tokenTeam !== undefined && m?.[1] === tokenTeam ? ctx.filesOf(tokenTeam)?.get(fileId) : undefined;
  if (!authorized || !f) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(LOGIN_PAGE);
    return { fileId, authorized, status: 200 };
  }
  if (f.input.redirectTo) {
    res.writeHead(302, { Location: f.input.redirectTo }).end();
    return { fileId, authorized, status: 302 };
  }
  res.writeHead(200, {
    'Content-Type': f.input.mimetype,
    'Content-Length': String(f.bytes.length),
    'Content-Disposition': `attachment; filename="${f.input.name}"`,
  });
  res.end(f.bytes);
  return { fileId, authorized, status: 200 };
}
