/**
 * README.md and docs/*.md name only what exists: every `npm run X` is a
 * script of package.json (`npm start` and `npm test` are npm's own), and
 * every relative link points to a file of the repository.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(import.meta.dirname, "..", "..");

interface Context {
  /** The script names of package.json. */
  scripts: ReadonlySet<string>;
  /** Whether a path from the repository's root is a file. */
  isFile: (fromRoot: string) => boolean;
  /** Paths from the repository's root that may be missing. */
  allowMissing: readonly string[];
}

/**
 * `npm run X`, `npm run -s X` and `npm run --silent X`, also across a line
 * break. A name starts and ends with a letter or digit (`bench:codec`), so
 * "npm run interop: ..." names `interop` and a bare "npm run -s" names none.
 */
const NPM_RUN = /\bnpm\s+run(?:\s+(?:-s|--silent))?\s+(\w(?:[\w:-]*\w)?)/g;
/** The target of an inline markdown link or image: `](target)` or `](target "title")`. */
const LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

/** The text without fenced code blocks and inline code spans, where `](` is code, not a link. */
function withoutCode(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** A target that names a file of the repository: no scheme, no mail, not a bare anchor, not an absolute path. */
function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("#") && !target.startsWith("/");
}

/**
 * What is wrong in one markdown file's text; `file` is its path from the
 * repository's root (links resolve from its folder). One line per problem.
 */
function checkDoc(file: string, text: string, ctx: Context): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(NPM_RUN)) {
    if (!ctx.scripts.has(m[1])) problems.push(`${file}: npm run ${m[1]}: no such script in package.json`);
  }
  for (const m of withoutCode(text).matchAll(LINK)) {
    const target = m[1];
    if (!isRelative(target)) continue;
    const filePart = decodeURI(target.replace(/[#?].*$/, ""));
    if (filePart === "") continue;
    const fromRoot = path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart));
    if (fromRoot.startsWith("../")) {
      problems.push(`${file}: link ${target}: leaves the repository`);
    } else if (!ctx.isFile(fromRoot) && !ctx.allowMissing.includes(fromRoot)) {
      problems.push(`${file}: link ${target}: no file ${fromRoot}`);
    }
  }
  return problems;
}

function repoContext(): Context {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  return {
    scripts: new Set(Object.keys(pkg.scripts)),
    isFile: (fromRoot) => {
      try {
        return fs.statSync(path.join(ROOT, fromRoot)).isFile();
      } catch {
        return false;
      }
    },
    allowMissing: [],
  };
}

/** README.md and every markdown file in docs/, as paths from the repository's root. */
function pages(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => "docs/" + name);
  return ["README.md", ...docs];
}

describe("README and docs", () => {
  const ctx = repoContext();

  for (const page of pages()) {
    it(`${page}: every npm run names a script, every relative link a file`, () => {
      assert.deepEqual(checkDoc(page, fs.readFileSync(path.join(ROOT, page), "utf8"), ctx), []);
    });
  }

  it("reports an unknown script and a link to a missing file", () => {
    const sample = [
      "Run `npm run no-such-script`, then `npm run -s\nbuild:`, `npm run -s` alone and `npm test`.",
      "See [flashing](docs/no-such-page.md#top), [design](./docs/design.md),",
      "[the library](docs/library.md), [a site](https://example.org/x.md)",
      "and [an anchor](#status).",
      "```js",
      "handlers[i](pub); // code, not a link",
      "```",
    ].join("\n");
    const problems = checkDoc("README.md", sample, {
      scripts: new Set(["build"]),
      isFile: (p) => p === "docs/design.md",
      allowMissing: ["docs/library.md"],
    });
    assert.deepEqual(problems, [
      "README.md: npm run no-such-script: no such script in package.json",
      "README.md: link docs/no-such-page.md#top: no file docs/no-such-page.md",
    ]);
  });

  it("resolves a page's links from its own folder", () => {
    const sample = "[back](../README.md), [sibling](flashing.md), [gone](./gone.md), [out](../../x.md)";
    const problems = checkDoc("docs/sample.md", sample, {
      scripts: new Set(),
      isFile: (p) => p === "README.md" || p === "docs/flashing.md",
      allowMissing: [],
    });
    assert.deepEqual(problems, ["docs/sample.md: link ./gone.md: no file docs/gone.md", "docs/sample.md: link ../../x.md: leaves the repository"]);
  });

  it("reports a link to a missing file that is not in the allowed list", () => {
    const problems = checkDoc("README.md", "[console](docs/console.md) and [x](docs/missing.md)", {
      scripts: new Set(),
      isFile: () => false,
      allowMissing: ["docs/console.md"],
    });
    assert.deepEqual(problems, ["README.md: link docs/missing.md: no file docs/missing.md"]);
  });
});
