import { z } from 'zod';
import { apiErrorSchema } from './surface.js';

/** The statuses of the API's `{ error: { code, message } }` answers (SPEC §4); never 500 for a client's input. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** A schema as it appears in the document: its component name and the zod schema that checks or makes it. */
export interface NamedSchema {
  name: string;
  schema: z.ZodType;
}

/**
 * One `/api/v1` route as the OpenAPI document describes it, written next to the route, from the
 * very schemas the route parses its input with and builds its answer from.
 */
export interface ApiOperation {
  method: 'get' | 'post' | 'put';
  /** As hono writes it: `/api/v1/archive/:id`. */
  path: string;
  summary: string;
  description?: string;
  /** Path parameters that are checked by a schema; any other `:name` is an opaque string. */
  params?: z.ZodObject;
  query?: z.ZodType;
  /** A JSON body from its schema, and other media types a route reads without one (a CSV, multipart files). */
  body?: { required: boolean; json?: NamedSchema; other?: Record<string, { description: string; schema?: object }> };
  answers: Array<{ status: 200 | 201; description: string; json?: NamedSchema; contentType?: string; schema?: object }>;
  errors: ErrorStatus[];
  /** Served without the bearer token. */
  public?: boolean;
}

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'The body is not valid JSON (`invalid_json`), or the request is not one this route reads.',
  401: 'No valid API token (`unauthorized`).',
  403: 'Refused for this organisation (e.g. `other_obligee`: the certificate is addressed to another obligee).',
  404: "Not found, or not this organisation's: the two are never told apart.",
  409: 'Conflicts with what is stored.',
  413: 'The body is larger than this route reads (`body_too_large`).',
  415: 'The body is not of the media type this route reads.',
  422: 'The input is malformed; the message names the field and why (`invalid_field`, `malformed_number`, …).',
  429: 'Too many attempts (`locked_out`, `rate_limited`); `Retry-After` says when to try again.',
  503: 'Busy or unavailable for now (`service_unavailable`, `pdf_unavailable`); `Retry-After` when known.',
};

const COMPONENT = (name: string) => `#/components/schemas/${name}`;

/** zod's JSON Schema of every named schema, as OpenAPI components referring to one another. */
function components(named: NamedSchema[], io: 'input' | 'output'): Record<string, object> {
  const registry = z.registry<{ id: string }>();
  const byName = new Map<string, z.ZodType>();
  for (const { name, schema } of named) {
    const known = registry.get(schema);
    if (known && known.id !== name) throw new Error(`one schema under two names: ${known.id} and ${name}`);
    if (byName.has(name) && byName.get(name) !== schema) throw new Error(`two schemas under one name: ${name}`);
    byName.set(name, schema);
    if (!known) registry.add(schema, { id: name });
  }
  const { schemas } = z.toJSONSchema(registry, { io, uri: COMPONENT });
  // a component is part of the document, not a document of its own
  return Object.fromEntries(Object.entries(schemas).map(([name, { $schema: _s, $id: _i, ...schema }]) => [name, schema]));
}

/** A query's object schema as OpenAPI parameters, one per property, as a client writes them. */
function queryParameters(query: z.ZodType, where: 'query' | 'path') {
  const schema = z.toJSONSchema(query, { io: 'input' }) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, { description, ...property }]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name),
    ...(description ? { description } : {}),
    schema: property,
  }));
}

function pathParameters(op: ApiOperation) {
  const checked = op.params ? queryParameters(op.params, 'path') : [];
  const names = [...op.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  return names.map((name) => checked.find((p) => p.name === name) ?? { name, in: 'path', required: true, schema: { type: 'string' } });
}

const jsonContent = (named: NamedSchema) => ({ 'application/json': { schema: { $ref: COMPONENT(named.name) } } });

function operation(op: ApiOperation) {
  const responses: Record<string, object> = {};
  for (const a of op.answers) {
    responses[a.status] = {
      description: a.description,
      ...(a.json ? { content: jsonContent(a.json) } : a.contentType ? { content: { [a.contentType]: a.schema ? { schema: a.schema } : {} } } : {}),
    };
  }
  for (const status of [...op.errors].sort()) {
    const retry = status === 429 || status === 503 ? { headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } } } : {};
    responses[status] = { description: ERROR_DESCRIPTIONS[status], ...retry, content: jsonContent({ name: 'Error', schema: apiErrorSchema }) };
  }
  const parameters = [...pathParameters(op), ...(op.query ? queryParameters(op.query, 'query') : [])];
  const body = op.body && {
    required: op.body.required,
    content: {
      ...(op.body.json ? jsonContent(op.body.json) : {}),
      ...Object.fromEntries(Object.entries(op.body.other ?? {}).map(([type, { description, schema }]) => [type, { schema: { description, ...schema } }])),
    },
  };
  return {
    operationId: `${op.method}${op.path.replace(/^\/api\/v1/, '').replace(/[/:.]+([a-z])/g, (_, c: string) => c.toUpperCase())}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the JSON API (SPEC §4). */
export function openApiDocument(operations: ApiOperation[]) {
  const requests = operations.flatMap((op) => (op.body?.json ? [op.body.json] : []));
  const answers = [{ name: 'Error', schema: apiErrorSchema }, ...operations.flatMap((op) => op.answers.flatMap((a) => (a.json ? [a.json] : [])))];
  const paths: Record<string, Record<string, object>> = {};
  for (const op of operations) {
    const path = op.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] = { ...paths[path], [op.method]: operation(op) };
  }
  const inputs = components(requests, 'input');
  const outputs = components(answers, 'output');
  const clash = Object.keys(inputs).find((name) => name in outputs);
  if (clash) throw new Error(`${clash} names both a request and an answer`);
  return {
    openapi: '3.1.0',
    info: {
      title: 'shosho JSON API',
      version: '1',
      description:
        'For obligee systems: look up, read, file and re-check electronic surety certificates. Every error is ' +
        '`{ "error": { "code", "message" } }`, with the HTTP status saying which kind; every answer carries `Cache-Control: no-store`.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token of the organisation (`shosho token add --org ID`).' } },
      schemas: { ...inputs, ...outputs },
    },
  };
}
