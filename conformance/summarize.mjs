// Reads the checks.json files the conformance suite wrote under a directory (one scenario
// per directory) and prints one line: `pass <n> checks` or `fail <why>`. Exits 0 on pass,
// 1 on fail. A scenario fails on any FAILURE or WARNING check, and when no check was
// recorded at all (the suite's own summary counts that as "0/0").
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findChecks(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      found.push(...findChecks(path));
    } else if (name === 'checks.json') {
      found.push(path);
    }
  }
  return found;
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: summarize.mjs RESULTS_DIR');
  process.exit(2);
}
let checks = [];
try {
  for (const file of findChecks(dir)) {
    checks.push(...JSON.parse(readFileSync(file, 'utf8')));
  }
} catch (e) {
  console.log(`fail cannot read the results: ${e.message}`);
  process.exit(1);
}
const scored = checks.filter((c) => c.status !== 'INFO');
const bad = scored.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
if (scored.length === 0) {
  console.log('fail no checks recorded');
  process.exit(1);
}
if (bad.length > 0) {
  const why = bad
    .map((c) => `${c.status} ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`)
    .join('; ');
  console.log(`fail ${why.replace(/\s+/g, ' ').slice(0, 400)}`);
  process.exit(1);
}
console.log(`pass ${scored.length} checks`);
