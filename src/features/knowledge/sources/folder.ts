import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import type { KnowledgeProvider, SourceChanges, SourceDocument, SourceProblem } from '../contracts.js';
import { folderDocument } from '../folder-documents.js';
import { type Converted, docxToMarkdown, pdfToText, UnreadableDocument } from './convert.js';

const TEXT = new Set(['.md', '.markdown', '.txt']);
const READERS: Record<string, (bytes: Uint8Array) => Promise<Converted>> = {
  '.pdf': pdfToText,
  '.docx': docxToMarkdown,
};

export interface FolderProviderOptions {
  name: string;
  /** Absolute path of the folder. */
  dir: string;
  /** Files larger than this are skipped with a problem. */
  maxFileBytes: number;
}

interface Listed {
  id: string;
  path: string;
  version: string;
  size: number;
}

/**
 * A folder of Markdown, text, PDF and DOCX files (subfolders included, hidden ones left out). The version is the
 * file's modified time and size, so a sync reads and parses only files that changed; a file that cannot be read
 * (corrupt, too big, binary) becomes a problem of its own and the rest of the folder syncs.
 */
export class FolderProvider implements KnowledgeProvider {
  readonly kind = 'folder' as const;
  readonly name: string;

  constructor(private readonly o: FolderProviderOptions) {
    this.name = o.name;
  }

  async changes(known: ReadonlyMap<string, string>, signal: AbortSignal): Promise<SourceChanges> {
    // A folder that cannot be listed fails the whole sync: deleting everything it held would be wrong.
    const listed = await this.list(this.o.dir);
    const upserts: SourceDocument[] = [];
    const problems: SourceProblem[] = [];
    for (const file of listed) {
      signal.throwIfAborted();
      if (known.get(file.id) === file.version) continue;
      try {
        upserts.push(await this.read(file));
      } catch (err) {
        problems.push({ id: file.id, message: problemText(err) });
      }
    }
    const present = new Set(listed.map((f) => f.id));
    const deletes = [...known.keys()].filter((id) => !present.has(id));
    return { upserts, deletes, ...(problems.length ? { problems } : {}) };
  }

  private async list(dir: string): Promise<Listed[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const nested = await Promise.all(
      entries.map(async (e): Promise<Listed[]> => {
        if (e.name.startsWith('.')) return [];
        const path = join(dir, e.name);
        if (e.isDirectory()) return this.list(path);
        const ext = extname(e.name).toLowerCase();
        if (!e.isFile() || !(TEXT.has(ext) || ext in READERS)) return [];
        const s = await stat(path);
        return [
          {
            id: relative(this.o.dir, path).split(sep).join('/'),
            path,
            version: `${Math.trunc(s.mtimeMs)}-${s.size}`,
            size: s.size,
          },
        ];
      }),
    );
    return nested.flat().sort((a, b) => a.id.localeCompare(b.id));
  }

  private async read(file: Listed): Promise<SourceDocument> {
    if (file.size > this.o.maxFileBytes)
      throw new UnreadableDocument(`larger than the ${sizeText(this.o.maxFileBytes)} limit (max_file_mb)`);
    const bytes = await readFile(file.path);
    const ext = extname(file.path).toLowerCase();
    const fallbackTitle = basename(file.id, extname(file.id)).replace(/[-_]+/g, ' ');
    const reader = READERS[ext];
    if (reader) {
      const doc = await reader(bytes);
      const title = doc.title ?? firstHeading(doc.text) ?? fallbackTitle;
      return { id: file.id, title, text: doc.text, version: file.version };
    }
    // A NUL byte never occurs in UTF-8 text: this "text" file is binary.
    if (bytes.includes(0)) throw new UnreadableDocument('a binary file with a text extension');
    // Markdown and text are read as search_knowledge has always read policies.dir (front matter title and url);
    // the version stays the file's modified time and size, so an unchanged file is never read.
    return { ...folderDocument(file.id, bytes.toString('utf8')), version: file.version };
  }
}

const firstHeading = (markdown: string): string | undefined =>
  /^#\s+(.+)$/m
    .exec(markdown)?.[1]
    ?.trim()
    .replace(/\*\*|__/g, '') || undefined;

const sizeText = (bytes: number) =>
  bytes < 1_048_576 ? `${Math.ceil(bytes / 1024)} KB` : `${Math.round((bytes / 1_048_576) * 10) / 10} MB`;

function problemText(err: unknown): string {
  if (err instanceof UnreadableDocument) return err.message;
  const e = err as NodeJS.ErrnoException;
  return e.code ? `cannot be read (${e.code})` : `cannot be read (${e.message})`;
}
