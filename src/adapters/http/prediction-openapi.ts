/**
 * The API's OpenAPI 3.1 document, generated from the zod schemas the server parses with, and the
 * /docs page: static HTML rendered from that document on the server (no script, no CDN).
 */
import { z } from 'zod';
import {
  errorResponseSchema,
  healthResponseSchema,
  modelResponseSchema,
  predictionQuerySchema,
  predictionRequestSchema,
  predictionResponseSchema,
  purchaseLineSchema,
  readyResponseSchema,
} from './prediction-schemas.js';

export interface OpenApiOptions {
  readonly version: string;
  readonly maxBatchLines: number;
  readonly bodyLimitBytes: number;
  /** Whether RETURNS_API_TOKEN is set: the document then marks the protected routes. */
  readonly authRequired: boolean;
}

type Json = Record<string, unknown>;

/** Schemas with an id (the purchase line), defined once under components.schemas. */
const components: Record<string, Json> = {};

/**
 * JSON Schema of a zod schema (`input`: what a client sends, before transforms), without the
 * $schema line; definitions it names go to components.schemas, where OpenAPI refers to them.
 */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  const toComponents = (value: unknown): Json => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  for (const [name, def] of Object.entries(($defs as Record<string, unknown> | undefined) ?? {})) components[name] = toComponents(def);
  return toComponents(rest);
}

const json = (schema: z.ZodType, description: string, io: 'input' | 'output' = 'output'): Json => ({
  description,
  content: { 'application/json': { schema: schemaOf(schema, io) } },
});

const ERROR = (description: string): Json => json(errorResponseSchema, description);

export function openApiDocument(options: OpenApiOptions): Json {
  const secured = options.authRequired ? { security: [{ bearer: [] }] } : {};
  const unauthorized = options.authRequired ? { 401: ERROR('missing or wrong bearer token') } : {};
  const contributions = schemaOf(predictionQuerySchema, 'input') as { properties: { contributions: Json } };
  const paths = {
    '/v1/predictions': {
      post: {
        summary: 'Score purchase lines',
        description: `One purchase line, or {"lines": [...]} with up to ${options.maxBatchLines} lines; bodies over ${options.bodyLimitBytes} bytes get 413. Each line gets its return probability and the features that move it most.`,
        ...secured,
        parameters: [{ name: 'contributions', in: 'query', required: false, schema: contributions.properties.contributions, description: 'contributions per line (default 5, 0 for none)' }],
        requestBody: { required: true, content: { 'application/json': { schema: schemaOf(predictionRequestSchema(options.maxBatchLines), 'input'), example: purchaseLineSchema.meta()?.example } } },
        responses: {
          200: json(predictionResponseSchema, 'the predictions, in the order of the lines'),
          400: ERROR('the body or query is invalid: every problem with its field path'),
          ...unauthorized,
          413: ERROR(`the body is larger than ${options.bodyLimitBytes} bytes`),
          415: ERROR('the body is not application/json'),
          503: ERROR('no model is loaded yet'),
        },
      },
    },
    '/v1/model': {
      get: {
        summary: 'The model being served',
        description: 'Version, as-of date, metrics and features of the model, and the history snapshot served with it.',
        ...secured,
        responses: { 200: json(modelResponseSchema, 'the served model'), ...unauthorized, 503: ERROR('no model is loaded yet') },
      },
    },
    '/healthz': {
      get: { summary: 'Liveness', description: 'The process answers (never needs a token).', responses: { 200: json(healthResponseSchema, 'alive') } },
    },
    '/readyz': {
      get: {
        summary: 'Readiness',
        description: 'Ready when a model is loaded.',
        ...secured,
        responses: { 200: json(readyResponseSchema, 'a model is loaded'), ...unauthorized, 503: json(readyResponseSchema, 'no model loaded yet') },
      },
    },
    '/openapi.json': { get: { summary: 'This document', ...secured, responses: { 200: { description: 'the OpenAPI document' }, ...unauthorized } } },
    '/docs': { get: { summary: 'Browsable API documentation', ...secured, responses: { 200: { description: 'an HTML page' }, ...unauthorized } } },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics: process, request durations and errors by route and status, predictions served, the served model, hot swaps',
        ...secured,
        responses: { 200: { description: 'the Prometheus text exposition format' }, ...unauthorized },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'returns prediction API',
      version: options.version,
      description:
        "Probability that a purchase line is returned, from the champion model. Send lines with the order file's column names. " +
        'History features (buyer, model, SKU, brand and category history) come from the newest BuildFeatures snapshot; a key it does not know ' +
        'gets zero prior purchases and returns and the global return rate.',
    },
    components: {
      schemas: { ...components },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'RETURNS_API_TOKEN, when the server sets it' } },
    },
    paths,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const pretty = (value: unknown): string => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;

/** The /docs page: every route of the document with its parameters, body and responses. */
export function renderDocsPage(doc: Json): string {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const sections = Object.entries(paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const parameters = (op.parameters as Json[] | undefined) ?? [];
      const body = op.requestBody as { content: { 'application/json': { schema: unknown; example?: unknown } } } | undefined;
      const responses = Object.entries((op.responses as Record<string, Json>) ?? {});
      return `<section id="${escapeHtml(`${method}-${route}`)}">
<h2><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(route)}</code> ${op.security ? '<span class="lock">bearer token</span>' : ''}</h2>
<p><strong>${escapeHtml(String(op.summary ?? ''))}</strong>${op.description ? ` — ${escapeHtml(String(op.description))}` : ''}</p>
${parameters.length > 0 ? `<h3>Query parameters</h3><ul>${parameters.map((p) => `<li><code>${escapeHtml(String(p.name))}</code>: ${escapeHtml(String(p.description ?? ''))}</li>`).join('')}</ul>` : ''}
${body ? `<h3>Request body</h3>${body.content['application/json'].example ? `<details open><summary>example</summary>${pretty(body.content['application/json'].example)}</details>` : ''}<details><summary>schema</summary>${pretty(body.content['application/json'].schema)}</details>` : ''}
<h3>Responses</h3>
<ul>${responses
        .map(([status, r]) => {
          const schema = (r.content as { 'application/json'?: { schema: unknown } } | undefined)?.['application/json']?.schema;
          return `<li><code>${escapeHtml(status)}</code> ${escapeHtml(String(r.description ?? ''))}${schema ? `<details><summary>schema</summary>${pretty(schema)}</details>` : ''}</li>`;
        })
        .join('')}</ul>
</section>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430;line-height:1.45}
section{border:1px solid #d8dde6;border-radius:6px;padding:0 1rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5rem;text-align:center;border-radius:4px;color:#fff;font-size:.85rem;padding:.1rem .4rem}
.get{background:#2f6fb3}.post{background:#2e8b57}.lock{font-size:.8rem;color:#8a5a00;border:1px solid #e0b050;border-radius:4px;padding:0 .3rem}
pre{background:#f4f6f9;padding:.6rem;overflow:auto;font-size:.8rem}code{font-size:.95em}
</style></head>
<body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>${escapeHtml(info.description)}</p>
<p>The machine-readable document is at <a href="openapi.json">openapi.json</a>.</p>
<nav><ul>${Object.entries(paths)
    .flatMap(([route, methods]) => Object.keys(methods).map((m) => `<li><a href="#${escapeHtml(`${m}-${route}`)}">${escapeHtml(m.toUpperCase())} ${escapeHtml(route)}</a></li>`))
    .join('')}</ul></nav>
${sections.join('\n')}
${Object.entries(((doc.components as { schemas?: Record<string, unknown> } | undefined)?.schemas ?? {}))
    .map(([name, schema]) => `<section id="schema-${escapeHtml(name)}"><h2>Schema <code>${escapeHtml(name)}</code></h2>${pretty(schema)}</section>`)
    .join('\n')}
</body></html>
`;
}
