/**
 * The static page of stages 5 and up (web/ in the repository): which files it has and the type each
 * is served with. No CDK here: `npm run local` serves the same files, and the tests read them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { REPOSITORY } from './source-hash';

export const WEB_DIRECTORY = join(REPOSITORY, 'web');

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export interface PageFile {
  readonly name: string;
  readonly contentType: string;
  readonly body: string;
}

/** The page's files and the content type each is served with; a file of another kind is refused, by name. */
export function pageFiles(directory = WEB_DIRECTORY): PageFile[] {
  return readdirSync(directory)
    .sort()
    .map((name) => {
      const contentType = CONTENT_TYPES[extname(name)];
      if (!contentType) throw new Error(`${join(directory, name)}: the page can only hold ${Object.keys(CONTENT_TYPES).join(', ')} files`);
      return { name, contentType, body: readFileSync(join(directory, name), 'utf8') };
    });
}
