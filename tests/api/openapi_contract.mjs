// The API's description as a checker of real answers: every response a test receives is
// matched to its documented operation (method + path template + status) and its body is
// validated against that operation's schema, so docs/openapi.json cannot drift from the
// server without some test failing.
//
//   const contract = loadContract();
//   const problem = contract.check({ method, url, status, headers, body });  // null when it conforms

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const DOCUMENT_PATH = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DEFS_ID = 'talkline-openapi-components';

// OpenAPI's schemas are JSON Schema 2020-12 plus a few annotations ajv does not know;
// their `#/components/schemas/X` references point into the OpenAPI document, so they are
// rewritten to one schema that holds every component under $defs.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
      out.$ref = `${DEFS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`;
    } else {
      out[key] = rewriteRefs(value);
    }
  }
  return out;
}

function mediaTypeOf(headers) {
  const raw = headers['content-type'];
  return raw ? String(raw).split(';')[0].trim().toLowerCase() : null;
}

function isJsonMedia(media) {
  return media === 'application/json' || /^application\/[a-z0-9.+-]*\+json$/.test(media);
}

// The documented media type an answer's Content-Type falls under: exact, then `type/*`,
// then `*/*`.
function documentedMedia(content, media) {
  if (!media) return null;
  if (content[media]) return media;
  const family = `${media.split('/')[0]}/*`;
  if (content[family]) return family;
  if (content['*/*']) return '*/*';
  return null;
}

// Templates are tried literal-first, as the server's router does (`/users/me` before
// `/users/{id}`).
function compileTemplates(paths) {
  const templates = Object.keys(paths).map((template) => {
    const segments = template.split('/');
    const pattern = segments
      .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('/');
    return {
      template,
      regex: new RegExp(`^${pattern}$`),
      literals: segments.filter((segment) => !segment.startsWith('{')).length,
    };
  });
  templates.sort((a, b) => b.literals - a.literals);
  return templates;
}

export function loadContract(documentPath = DOCUMENT_PATH) {
  const document = JSON.parse(fs.readFileSync(documentPath, 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, validateFormats: true });
  addFormats(ajv);
  // OpenAPI annotations (the singular `example` and the binary `format` of file bodies).
  ajv.addKeyword('example');
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: DEFS_ID, $defs: rewriteRefs(document.components?.schemas ?? {}) });

  // A response may be a reference to components/responses.
  const resolve = (response) => {
    if (!response.$ref) return response;
    const name = response.$ref.replace('#/components/responses/', '');
    if (!document.components?.responses?.[name]) throw new Error(`docs/openapi.json: unresolved ${response.$ref}`);
    return document.components.responses[name];
  };
  const templates = compileTemplates(document.paths);
  const validators = new Map();
  // "METHOD template status" of every answer checked, for a report of what the tests reach.
  const seen = new Set();
  const validatorFor = (key, schema) => {
    if (!validators.has(key)) validators.set(key, ajv.compile(rewriteRefs(schema)));
    return validators.get(key);
  };

  /**
   * Checks one exchange. Returns null when the answer is what the document says, else a
   * sentence naming what differs. `body` is the answer's text (or bytes for files).
   */
  function check({ method, url, status, headers = {}, body }) {
    const pathname = new URL(url, 'http://localhost').pathname;
    const verb = method.toLowerCase();
    const where = `${method.toUpperCase()} ${pathname} → ${status}`;
    const match = templates.find((t) => t.regex.test(pathname));
    if (!match) return `${where}: no documented path matches ${pathname}`;
    const item = document.paths[match.template];
    const operation = item[verb];
    if (!operation || !METHODS.includes(verb)) return `${where}: ${method.toUpperCase()} ${match.template} is not documented`;
    const label = `${method.toUpperCase()} ${match.template} → ${status}`;
    seen.add(`${method.toUpperCase()} ${match.template} ${status}`);
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((key) => operation.responses[key]);
    if (!statusKey) {
      return `${label}: status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`;
    }
    const content = resolve(operation.responses[statusKey]).content ?? {};
    const size = body === undefined ? 0 : body.length;
    if (Object.keys(content).length === 0) {
      return verb === 'head' || size === 0 ? null : `${label}: documented without a body, but one of ${size} bytes came`;
    }
    const media = mediaTypeOf(headers);
    const documented = documentedMedia(content, media);
    if (!documented) {
      return `${label}: Content-Type ${media ?? '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`;
    }
    const schema = content[documented].schema;
    if (verb === 'head' || !schema || !isJsonMedia(media)) return null;
    let value;
    try {
      value = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : body);
    } catch {
      return `${label}: the ${media} body is not JSON`;
    }
    const validate = validatorFor(`${verb} ${match.template} ${statusKey} ${documented}`, schema);
    if (validate(value)) return null;
    const reasons = validate.errors
      .slice(0, 5)
      .map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`)
      .join('; ');
    return `${label}: the body does not match the documented schema: ${reasons}\n  body: ${String(body).slice(0, 600)}`;
  }

  return { document, check, seen };
}
