/**
 * Checks real answers of the service against its own OpenAPI document: the status is one the
 * operation documents (or the 404, 405 and 400 the document's description promises for what it
 * does not list), every required header is there and matches its schema, and the body matches the
 * documented schema. It records which documented answers it has seen, so a test can require that
 * every one of them was reached. Used by the unit tests and by the suites on real engines.
 */
import Ajv2020 from 'ajv/dist/2020';

type Json = Record<string, any>;

export interface Answer {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly target: string;
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class Conformance {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly seen = new Set<string>();

  constructor(private readonly document: Json) {
    this.ajv.addSchema(document, 'openapi.json');
  }

  /** Every documented answer as `METHOD path status`. */
  documented(): string[] {
    return Object.entries(this.document.paths as Json).flatMap(([path, operations]) =>
      Object.entries(operations as Json).flatMap(([method, operation]) =>
        Object.keys(operation.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
  }

  /** The documented answers seen so far. */
  covered(): string[] {
    return [...this.seen].sort();
  }

  private validate(ref: string, value: unknown): string[] {
    const validate = this.ajv.getSchema(`openapi.json#${ref}`);
    if (!validate) return [`no schema at ${ref}`];
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`);
  }

  private templateOf(path: string): string | undefined {
    return Object.keys(this.document.paths).find((template) =>
      new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`).test(path),
    );
  }

  /** The problems with one answer; none when it is what the document says. */
  problems(answer: Answer): string[] {
    const problems: string[] = [];
    const header = (name: string) => {
      const value = answer.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    // What every answer carries, listed or not (the document's description says so).
    for (const name of ['X-Request-Id', 'Cache-Control', 'X-Content-Type-Options', 'X-Stage', 'X-Region', 'X-Served-By']) {
      if (header(name) === undefined) problems.push(`no ${name} header`);
      else problems.push(...this.validate(pointer('', 'components', 'headers', name, 'schema'), header(name)).map((p) => `${name}: ${p}`));
    }
    // The path as the service reads the target: the absolute form (http://host/path) is its path.
    const origin = /^https?:\/\/[^/?#]*/i.exec(answer.target)?.[0] ?? '';
    const path =
      answer.target.startsWith('/') || origin ? `/${answer.target.slice(origin.length).replace(/^\//, '')}`.split(/[?#]/)[0] : undefined;
    const template = path === undefined ? undefined : this.templateOf(path);
    const method = answer.method.toLowerCase();
    const operation = template === undefined ? undefined : this.document.paths[template][method];
    // What the HTTP parser refuses never reaches a route (the document's description says so); it
    // alone closes the connection with a 400 (to HEAD, without the body), unless the route itself
    // documents that answer.
    const refused = /^\{"error":"(malformed HTTP request|the request headers are too large|the request did not arrive in time)/;
    if (
      [400, 408, 431].includes(answer.status) &&
      header('Connection') === 'close' &&
      !operation?.responses[String(answer.status)] &&
      (refused.test(answer.body) || (answer.method === 'HEAD' && answer.body === ''))
    )
      return problems;
    const bodyAgainst = (ref: string) => {
      if (answer.method === 'HEAD') {
        if (answer.body !== '') problems.push('a body on an answer to HEAD');
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        return void problems.push(`the body is not JSON: ${answer.body.slice(0, 80)}`);
      }
      problems.push(...this.validate(ref, parsed));
    };
    if (!operation) {
      // What the document's description promises for what it does not list.
      const expected = path === undefined ? 400 : template === undefined ? 404 : 405;
      if (answer.status !== expected)
        problems.push(`status ${answer.status}; expected ${expected} for ${answer.method} ${answer.target.slice(0, 80)}`);
      if (expected === 405) {
        const allowed = Object.keys(this.document.paths[template!])
          .map((m) => m.toUpperCase())
          .sort()
          .join(', ');
        if ((header('Allow') ?? '').split(/,\s*/).sort().join(', ') !== allowed)
          problems.push(`Allow: got ${header('Allow')}; expected ${allowed}`);
      }
      if (header('Cache-Control') !== 'no-store') problems.push(`Cache-Control ${header('Cache-Control')} on an error`);
      bodyAgainst(pointer('', 'components', 'schemas', 'Error'));
      return problems;
    }
    const response = operation.responses[String(answer.status)];
    if (!response) return [...problems, `status ${answer.status} is not documented for ${answer.method} ${template}`];
    this.seen.add(`${answer.method} ${template} ${answer.status}`);
    for (const [name, spec] of Object.entries((response.headers ?? {}) as Json)) {
      const value = header(name);
      const resolved = spec.$ref ? this.document.components.headers[spec.$ref.split('/').pop()] : spec;
      if (value === undefined) {
        if (resolved.required) problems.push(`no ${name} header (required for ${answer.status})`);
        continue;
      }
      const ref = spec.$ref
        ? `${spec.$ref.slice(1)}/schema`
        : pointer('', 'paths', template!, method, 'responses', String(answer.status), 'headers', name, 'schema');
      problems.push(...this.validate(ref, value).map((p) => `${name}: ${p}`));
    }
    if (answer.status >= 400 && header('Cache-Control') !== 'no-store')
      problems.push(`Cache-Control ${header('Cache-Control')} on an error`);
    if (response.content)
      bodyAgainst(pointer('', 'paths', template!, method, 'responses', String(answer.status), 'content', 'application/json', 'schema'));
    else if (answer.body !== '') problems.push(`a body on a ${answer.status}`);
    return problems;
  }
}
