import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * The anchors GitHub gives a Markdown document: one per heading (github-slugger's rule: lower
 * case, punctuation removed, each space a hyphen, "-1", "-2", … on repeats) plus explicit
 * `<a id="…">` / `<a name="…">` tags. Headings in fenced code blocks are not headings.
 * Approximation: slugger also drops a few symbols of class No (², ³); we keep every number.
 */
export function githubAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    for (const tag of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(tag[1] as string);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function slug(headingText: string): string {
  const rendered = headingText
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images keep their text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/[`*]/g, ""); // code and emphasis marks (underscores are kept by GitHub too)
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

export interface Citation {
  file: string;
  line: number;
  anchor: string;
}

/** Every `<doc>#anchor` in a text, with its 1-based line. */
export function citationsIn(text: string, file: string, doc: string): Citation[] {
  const pattern = new RegExp(`${doc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}#([\\w-]+)`, "g");
  const found: Citation[] = [];
  text.split("\n").forEach((content, index) => {
    for (const match of content.matchAll(pattern)) {
      found.push({ file, line: index + 1, anchor: match[1] as string });
    }
  });
  return found;
}

/** In-page links `](#anchor)` of a Markdown document. */
export function pageLinksIn(markdown: string, file: string): Citation[] {
  const found: Citation[] = [];
  markdown.split("\n").forEach((content, index) => {
    for (const match of content.matchAll(/\]\(#([\w-]+)\)/g)) {
      found.push({ file, line: index + 1, anchor: match[1] as string });
    }
  });
  return found;
}

const SKIPPED_FOLDERS = new Set(["node_modules", "build", "storage", "tmp", "__pycache__"]);

/** The repository's files with one of `extensions`, outside dependencies, builds and dot-folders. */
export async function sourceFiles(root: string, extensions: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  async function walk(folder: string): Promise<void> {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || SKIPPED_FOLDERS.has(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) {
        files.push(relative(root, path));
      }
    }
  }
  await walk(root);
  return files.sort();
}

/** The citations of `doc` in the repository's files whose anchor the document lacks. */
export async function danglingCitations(root: string, doc: string, extensions: readonly string[]): Promise<Citation[]> {
  const markdown = await readFile(join(root, doc), "utf8");
  const anchors = githubAnchors(markdown);
  const citations = pageLinksIn(markdown, doc);
  for (const file of await sourceFiles(root, extensions)) {
    citations.push(...citationsIn(await readFile(join(root, file), "utf8"), file, doc));
  }
  return citations.filter((c) => !anchors.has(c.anchor));
}
