import { generateKeyPairSync } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import nock from 'nock';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GoogleDriveProvider } from '../../../../../src/features/knowledge/sources/google-drive.js';
import { parseServiceAccountKey } from '../../../../../src/features/knowledge/sources/google-service-account.js';
import { none, retryClock, signal } from './helpers.js';

const API = 'https://www.googleapis.com';
const OAUTH = 'https://oauth2.googleapis.com';
const FOLDER = '1AbCdEfGhIjKlMnOpQrStUv';
const SUB = '1SubFolderXyz0123456789';
const ACCESS = ['ya29', 'test', 'access'].join('.');
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const keyJson = JSON.stringify({
  type: 'service_account',
  project_id: 'acme-kb',
  private_key_id: 'k1',
  private_key: privateKey,
  client_email: 'threadwise@acme-kb.iam.gserviceaccount.com',
  client_id: '1234567890',
  auth_uri: 'https://accounts.google.com/o/oauth2/auth',
  token_uri: `${OAUTH}/token`,
});
const warnings: string[] = [];
const drive = (sleep?: (ms: number, s?: AbortSignal) => Promise<void>) =>
  new GoogleDriveProvider({
    name: 'drive',
    folderId: FOLDER,
    key: parseServiceAccountKey(keyJson, 'GOOGLE_DRIVE_CREDENTIALS'),
    credentialsEnv: 'GOOGLE_DRIVE_CREDENTIALS',
    log: { warn: (details, message) => warnings.push(`${message}: ${String(details.file)}`) },
    sleep,
  });

/** Google's token endpoint: accepts only a JWT signed by the key, for the service account, asking drive.readonly. */
function tokenEndpoint(times = 1) {
  return nock(OAUTH)
    .post('/token')
    .times(times)
    .reply(async (request: Request) => verifyGrant(await request.text()));
}
async function verifyGrant(body: string): Promise<[number, object]> {
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
    return [400, { error: 'unsupported_grant_type' }];
  try {
    const { payload, protectedHeader } = await jwtVerify(
      form.get('assertion') ?? '',
      await importSPKI(publicKey, 'RS256'),
      {
        issuer: 'threadwise@acme-kb.iam.gserviceaccount.com',
        audience: `${OAUTH}/token`,
      },
    );
    if (payload.scope !== 'https://www.googleapis.com/auth/drive.readonly' || protectedHeader.kid !== 'k1')
      return [400, { error: 'invalid_scope' }];
  } catch {
    return [400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }];
  }
  return [200, { access_token: ACCESS, expires_in: 3599, token_type: 'Bearer' }];
}

const listQuery = (folder: string, pageToken?: string) => ({
  q: `'${folder}' in parents and trashed = false`,
  fields: 'nextPageToken,files(id,name,mimeType,modifiedTime,version,webViewLink,size)',
  pageSize: '1000',
  supportsAllDrives: 'true',
  includeItemsFromAllDrives: 'true',
  ...(pageToken ? { pageToken } : {}),
});
function file(id: string, name: string, mimeType: string, version: string, size?: number) {
  return {
    kind: 'drive#file',
    id,
    name,
    mimeType,
    modifiedTime: '2026-11-02T10:00:00.000Z',
    version,
    webViewLink: `https://docs.google.com/document/d/${id}/edit?usp=drivesdk`,
    ...(size === undefined ? {} : { size: String(size) }),
  };
}
const googleError = (code: number, status: string, reason: string, message: string) => ({
  error: { code, message, errors: [{ message, domain: 'global', reason }], status },
});
const api = () => nock(API, { reqheaders: { authorization: `Bearer ${ACCESS}` } });

async function samplePdf(lines: string[]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const line of lines) pdf.addPage([400, 200]).drawText(line, { x: 20, y: 150, size: 14, font });
  return Buffer.from(await pdf.save());
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
  warnings.length = 0;
});

describe('Google Drive source', () => {
  it('reads Docs as Markdown and PDFs as text from the folder and its subfolders, across list pages, with one token', async () => {
    tokenEndpoint(1);
    api()
      .get('/drive/v3/files')
      .query(listQuery(FOLDER))
      .reply(200, {
        nextPageToken: 'page-2',
        files: [
          file('doc1', 'Travel policy', 'application/vnd.google-apps.document', '12'),
          file(SUB, 'Manuals', 'application/vnd.google-apps.folder', '3'),
        ],
      })
      .get('/drive/v3/files')
      .query(listQuery(FOLDER, 'page-2'))
      .reply(200, { files: [file('sheet1', 'Budget', 'application/vnd.google-apps.spreadsheet', '4')] })
      .get('/drive/v3/files')
      .query(listQuery(SUB))
      .reply(200, { files: [file('pdf1', 'Printer manual.pdf', 'application/pdf', '2', 2_000)] });
    api()
      .get('/drive/v3/files/doc1/export')
      .query({ mimeType: 'text/markdown' })
      .reply(200, '# Travel policy\n\n## Per diem\n\nMeals: 60 EUR a day.\n', { 'content-type': 'text/markdown' })
      .get('/drive/v3/files/pdf1')
      .query({ alt: 'media', supportsAllDrives: 'true' })
      .reply(200, await samplePdf(['Hold the reset button for 5 seconds.', 'Then wait for the green light.']), {
        'content-type': 'application/pdf',
      });

    const { upserts, deletes } = await drive().changes(none, signal());

    expect(deletes).toEqual([]);
    expect(upserts).toEqual([
      {
        id: 'doc1',
        title: 'Travel policy',
        url: 'https://docs.google.com/document/d/doc1/edit?usp=drivesdk',
        text: '# Travel policy\n\n## Per diem\n\nMeals: 60 EUR a day.',
        version: '12',
      },
      {
        id: 'pdf1',
        title: 'Printer manual',
        url: 'https://docs.google.com/document/d/pdf1/edit?usp=drivesdk',
        text: 'Hold the reset button for 5 seconds.\n\nThen wait for the green light.',
        version: '2',
      },
    ]);
  });

  it('downloads only files whose version changed, and deletes trashed or removed ones', async () => {
    tokenEndpoint(1);
    api()
      .get('/drive/v3/files')
      .query(listQuery(FOLDER))
      .reply(200, {
        files: [
          file('doc1', 'Travel policy', 'application/vnd.google-apps.document', '12'),
          file('doc2', 'Expenses', 'application/vnd.google-apps.document', '8'),
        ],
      });
    // doc1 is unchanged: an export request for it would find no interceptor and fail the sync.
    const exported = api().get('/drive/v3/files/doc2/export').query(true).reply(200, 'Receipts within 45 days.');

    const known = new Map([
      ['doc1', '12'],
      ['doc2', '7'],
      ['trashed1', '5'],
    ]);
    const { upserts, deletes } = await drive().changes(known, signal());

    expect(exported.isDone()).toBe(true);
    expect(upserts.map((d) => [d.id, d.version, d.text])).toEqual([['doc2', '8', 'Receipts within 45 days.']]);
    expect(deletes).toEqual(['trashed1']);
  });

  it('keeps the indexed version of a PDF it cannot read, and says so in the log', async () => {
    tokenEndpoint(1);
    api()
      .get('/drive/v3/files')
      .query(true)
      .reply(200, { files: [file('pdf2', 'Broken.pdf', 'application/pdf', '9', 40)] });
    api().get('/drive/v3/files/pdf2').query(true).reply(200, Buffer.from('%PDF-1.7 not really'));

    expect(await drive().changes(new Map([['pdf2', '8']]), signal())).toEqual({ upserts: [], deletes: [] });
    expect(warnings).toEqual(['PDF unreadable; left out: Broken.pdf']);
  });

  it('leaves out a Doc over the export limit, keeping its indexed version, while the other files sync', async () => {
    tokenEndpoint(1);
    api()
      .get('/drive/v3/files')
      .query(true)
      .reply(200, {
        files: [
          file('big1', 'Big handbook', 'application/vnd.google-apps.document', '30'),
          file('doc2', 'Expenses', 'application/vnd.google-apps.document', '8'),
        ],
      });
    api()
      .get('/drive/v3/files/big1/export')
      .query(true)
      .reply(
        403,
        googleError(403, 'PERMISSION_DENIED', 'exportSizeLimitExceeded', 'This file is too large to be exported.'),
      )
      .get('/drive/v3/files/doc2/export')
      .query(true)
      .reply(200, 'Receipts within 45 days.');

    const { upserts, deletes } = await drive().changes(new Map([['big1', '29']]), signal());
    expect(upserts.map((d) => d.id)).toEqual(['doc2']);
    expect(deletes).toEqual([]);
    expect(warnings).toEqual(['Doc over the 10 MB export limit; left out: Big handbook']);
  });

  it('says the key in GOOGLE_DRIVE_CREDENTIALS could not sign in when Google rejects it', async () => {
    nock(OAUTH).post('/token').reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    const err = await drive()
      .changes(none, signal())
      .then(
        () => new Error('the sync succeeded'),
        (e: Error) => e,
      );
    expect(err.message).toBe(
      'Google Drive source "drive" could not sign in with the service account key in GOOGLE_DRIVE_CREDENTIALS (HTTP 400): check that the key still exists on the service account and that this machine\'s clock is right',
    );
    expect(err.message).not.toContain('PRIVATE KEY');
  });

  it('names the key variable when Drive refuses the access token (401)', async () => {
    tokenEndpoint(1);
    api()
      .get('/drive/v3/files')
      .query(true)
      .reply(401, googleError(401, 'UNAUTHENTICATED', 'authError', 'Request had invalid authentication credentials.'));
    const err = await drive()
      .changes(none, signal())
      .then(
        () => new Error('the sync succeeded'),
        (e: Error) => e,
      );
    expect(err.message).toBe(
      'Google Drive source "drive" refused the credentials (HTTP 401): check the service account key in GOOGLE_DRIVE_CREDENTIALS',
    );
    expect(err.message).not.toContain(ACCESS);
  });

  it('says the folder must be shared with the service account when Drive forbids it (403)', async () => {
    tokenEndpoint(1);
    api()
      .get('/drive/v3/files')
      .query(true)
      .reply(
        403,
        googleError(
          403,
          'PERMISSION_DENIED',
          'insufficientFilePermissions',
          'The user does not have sufficient permissions for this file.',
        ),
      );
    await expect(drive().changes(none, signal())).rejects.toThrow(
      `Google Drive source "drive" may not read folder ${FOLDER} (HTTP 403): check that the folder is shared with threadwise@acme-kb.iam.gserviceaccount.com and the Drive API is enabled in its project`,
    );
  });

  it('retries a 403 rate-limit reason with backoff and a 429 after its Retry-After, then goes on', async () => {
    const clock = retryClock();
    try {
      tokenEndpoint(1);
      api()
        .get('/drive/v3/files')
        .query(true)
        .reply(403, googleError(403, 'PERMISSION_DENIED', 'userRateLimitExceeded', 'User Rate Limit Exceeded'));
      const limited = api()
        .get('/drive/v3/files')
        .query(true)
        .reply(429, googleError(429, 'RESOURCE_EXHAUSTED', 'rateLimitExceeded', 'Rate Limit Exceeded'), {
          'Retry-After': '20',
        });
      const listed = api().get('/drive/v3/files').query(true).reply(200, { files: [] });

      const result = drive(clock.sleep).changes(new Map([['doc1', '12']]), signal());
      const backoff = await clock.waitStarted();
      expect(backoff).toBeGreaterThan(0);
      const next = clock.waitStarted();
      await clock.advance(backoff);
      expect(limited.isDone()).toBe(true);
      expect(await next).toBe(20_000);
      await clock.advance(19_999);
      expect(listed.isDone()).toBe(false);
      await clock.advance(1);
      expect(await result).toEqual({ upserts: [], deletes: ['doc1'] });
    } finally {
      clock.restore();
    }
  });

  it('explains a credentials variable that does not hold a service account key', () => {
    expect(() => parseServiceAccountKey('/etc/keys/drive.json', 'GOOGLE_DRIVE_CREDENTIALS')).toThrow(
      "GOOGLE_DRIVE_CREDENTIALS is not JSON: it must hold the service account's JSON key itself",
    );
    expect(() => parseServiceAccountKey('{"type":"authorized_user"}', 'GOOGLE_DRIVE_CREDENTIALS')).toThrow(
      'GOOGLE_DRIVE_CREDENTIALS is not a service account key (at type)',
    );
  });
});
