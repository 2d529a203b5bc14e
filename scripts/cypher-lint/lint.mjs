// Lints every .cypher file of tkgmem (schema/, cypher/, cypher/explore/) with Neo4j's own Cypher parser and
// semantic analysis (@neo4j-cypher/language-support, lintCypherQuery). Each file's `// params:` header lines
// declare its parameters, which are passed to the linter so that only undeclared ones are reported. Labels
// and relationship types are checked against the fixed vocabulary below. Any diagnostic (error, warning,
// deprecation) fails the run: prints file:line:column and exits 1.
//
// Usage: node scripts/cypher-lint/lint.mjs [repo root]   (scripts/lint_cypher.sh installs and runs it)

import { createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package's ESM build has extensionless imports that Node cannot resolve; its CommonJS build works.
const { lintCypherQuery } = createRequire(import.meta.url)('@neo4j-cypher/language-support');

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(process.argv[2] ?? join(here, '..', '..'));

// The fixed graph vocabulary of the Neo4j store (tkgmem/store/neo4j.py). A label or type outside it is a typo.
const LABELS = ['Episode', 'Entity', 'EntityVersion', 'Event', 'EventVersion', 'Fact', 'Version',
  'AuditEntry', 'Checkpoint', 'SchemaVersion', 'Speaker', 'NameWord'];
const RELATIONSHIP_TYPES = ['VERSION', 'SUBJECT', 'OBJECT', 'PARTICIPANT', 'PLACE', 'SUPERSEDES', 'MENTIONED_IN',
  'BEFORE', 'CAUSE', 'PART_OF', 'FOLLOW_UP', 'DATED_BY'];

// A placeholder value of the declared type (the linter only needs the name; types keep it honest).
function placeholder(type) {
  const t = (type ?? '').replace(/\?$/, '').toUpperCase();
  if (t.startsWith('LIST')) return [];
  if (t === 'MAP') return {};
  if (t === 'INTEGER') return 0;
  if (t === 'FLOAT') return 0.5;
  if (t === 'BOOLEAN') return false;
  return '';
}

function declaredParams(text) {
  const params = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^\s*\/\/\s*params:(.*)$/);
    if (!m) continue;
    for (const p of m[1].matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)\s*([A-Za-z<>?]*)/g)) {
      params[p[1]] = placeholder(p[2]);
    }
  }
  return params;
}

function cypherFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...cypherFiles(path));
    else if (name.endsWith('.cypher')) out.push(path);
  }
  return out;
}

const files = ['schema', 'cypher'].flatMap((d) => cypherFiles(join(root, d)));
let problems = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const rel = relative(root, file);
  if (!/^\s*\/\/\s*name:\s*\S+/m.test(text)) {
    console.log(`${rel}:1:1: error: missing '// name: <query name>' header`);
    problems += 1;
  }
  const schema = { labels: LABELS, relationshipTypes: RELATIONSHIP_TYPES, parameters: declaredParams(text) };
  for (const d of lintCypherQuery(text, schema)) {
    const level = d.severity === 1 ? 'error' : 'warning';
    console.log(`${rel}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${level}: ${d.message}`);
    problems += 1;
  }
}
console.log(`cypher-lint: ${files.length} files, ${problems} diagnostic(s)`);
process.exit(problems === 0 && files.length > 0 ? 0 : 1);
