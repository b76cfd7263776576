// The repository's own files, read as text: what `git ls-files` lists, or, in a copy without .git (a
// release tarball), every file outside the directories git ignores. Checks over "every file" use this.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from '../../scripts/lib/tools.js';

const IGNORED_DIRS = new Set(['.git', 'node_modules', '.tools', '.data', 'generated', 'coverage', '.schemathesis']);
const BINARY = /\.(png|svg|jpe?g|gif|ico|wasm|gz|zip)$/i;

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!IGNORED_DIRS.has(name)) walk(path, out);
    } else out.push(relative(root, path));
  }
  return out;
}

/** Paths relative to the root, text files only. */
export function trackedTextFiles(): string[] {
  const files = existsSync(join(root, '.git'))
    ? execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean)
    : walk(root, []);
  // A file deleted in the work tree but not yet from the index is not part of what a reader gets.
  return files.filter((f) => !BINARY.test(f) && existsSync(join(root, f)));
}

export const readText = (file: string): string => readFileSync(join(root, file), 'utf8');

/** Every match of `pattern` (global) in the files, as `path:line: text`. */
export function findAll(files: string[], pattern: RegExp): string[] {
  const hits: string[] = [];
  for (const file of files) {
    readText(file).split('\n').forEach((line, i) => {
      pattern.lastIndex = 0;
      if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 160)}`);
    });
  }
  return hits;
}
