/**
 * Validation of what clients send: every problem is named with its field, the value and what is
 * allowed. LIMITS is the one source of the rules: the OpenAPI document (openapi.ts) is built from it.
 *
 * The rules are what both stores can hold exactly, so the same input gets the same answer and the
 * same stored value on PostgreSQL and on DynamoDB:
 * - strings are well-formed Unicode without U+0000 (PostgreSQL cannot store NUL; a lone surrogate
 *   would be stored as U+FFFD there and kept on DynamoDB);
 * - numbers lie within ±(2^53 − 1) (larger integers lose digits in JavaScript, and DynamoDB's client
 *   refuses them) and are 0 or at least 1e-130 in magnitude (DynamoDB's smallest);
 * - `__proto__` is not an attribute key (JavaScript and the AWS SDK treat it as the prototype, so the
 *   attribute would vanish on DynamoDB).
 * Lengths count characters (Unicode code points), as JSON Schema's maxLength does.
 */
import { BadRequest } from './errors';
import type { NewItem } from './store';

export const LIMITS = {
  nameLength: 200,
  attributes: 50,
  attributeKeyLength: 64,
  attributeValueLength: 1000,
  largestNumber: Number.MAX_SAFE_INTEGER,
  smallestNumber: 1e-130,
  reservedKeys: ['__proto__'],
  /** A 400 names at most this many problems, and says how many there are in all. */
  problemsNamed: 10,
} as const;

/** Item ids are UUIDs in their canonical lower-case form; GET /items/:id moves upper case or percent-encoding there (301). */
export const ITEM_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const ID = new RegExp(ITEM_ID_PATTERN);
export const isItemId = (id: string) => ID.test(id);

/** Characters no stored string may contain: NUL and lone surrogates (`\p{Cs}` in a `u` pattern). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly the character this rule exists to refuse
export const FORBIDDEN_CHARACTER = /[\u0000\p{Cs}]/u;
/** The same rule, and "not only white space", as JSON Schema patterns for the OpenAPI document. */
export const STRING_PATTERN = '^[^\\u0000\\p{Cs}]*$';
export const NAME_PATTERN = '^[^\\u0000\\p{Cs}]*[^\\s\\u0000\\p{Cs}][^\\u0000\\p{Cs}]*$';

/** Characters (code points) in a string, counted only when the UTF-16 length could exceed the limit. */
function longerThan(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  let count = 0;
  for (const _ of text) if (++count > limit) return true;
  return false;
}

/**
 * A short, safe rendering of any value for an error message: bounded in depth and length, so a body
 * nested thousands deep or megabytes long is described, never serialised whole.
 */
export function show(value: unknown, budget = 60): string {
  const out: string[] = [];
  let left = budget;
  const emit = (text: string) => {
    out.push(text);
    left -= text.length;
  };
  const walk = (v: unknown, depth: number) => {
    if (left <= 0) return;
    if (typeof v === 'string') emit(JSON.stringify(v.length > left ? `${v.slice(0, left)}…` : v));
    else if (v === undefined) emit('undefined');
    else if (v === null || typeof v !== 'object') emit(String(v));
    else if (depth >= 3) emit(Array.isArray(v) ? '[…]' : '{…}');
    else if (Array.isArray(v)) {
      emit('[');
      for (const [i, e] of v.entries()) {
        if (left <= 0) break;
        if (i > 0) emit(',');
        walk(e, depth + 1);
      }
      emit(']');
    } else {
      emit('{');
      for (const [i, [k, e]] of Object.entries(v).entries()) {
        if (left <= 0) break;
        emit(`${i > 0 ? ',' : ''}${JSON.stringify(k.length > 20 ? `${k.slice(0, 20)}…` : k)}:`);
        walk(e, depth + 1);
      }
      emit('}');
    }
  };
  walk(value, 0);
  const text = out.join('');
  return left < 0 || text.length > budget ? `${text.slice(0, budget)}…` : text;
}

const stringRule = (limit: number) => `a string of at most ${limit} characters, well-formed Unicode without U+0000`;
export const RULES = {
  name: `a string of 1 to ${LIMITS.nameLength} characters, not only white space, well-formed Unicode without U+0000`,
  attributes: `an object of at most ${LIMITS.attributes} keys`,
  attributeKey: `a key of 1 to ${LIMITS.attributeKeyLength} characters, well-formed Unicode without U+0000, other than ${LIMITS.reservedKeys.map((k) => JSON.stringify(k)).join(', ')}`,
  itemId: 'an item id: a UUID in lower case, such as 0f8fad5b-d9cb-469f-a165-70867728950e',
  attributeValue: `${stringRule(LIMITS.attributeValueLength)}; a number from -${LIMITS.largestNumber} to ${LIMITS.largestNumber} that is 0 or at least ${LIMITS.smallestNumber} in magnitude; or a boolean`,
} as const;

function problemWithValue(value: unknown): boolean {
  if (typeof value === 'boolean') return false;
  if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    return !(magnitude <= LIMITS.largestNumber && (magnitude === 0 || magnitude >= LIMITS.smallestNumber));
  }
  return typeof value !== 'string' || longerThan(value, LIMITS.attributeValueLength) || FORBIDDEN_CHARACTER.test(value);
}

/** A request body that must be a JSON object: anything else is a BadRequest saying what it was. */
function jsonObject(raw: string): object {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    throw new BadRequest(`malformed JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest(`the body must be a JSON object, got ${show(body)}`);
  return body;
}

/**
 * The message of a 400 for `problems`: each named, up to LIMITS.problemsNamed; past that, the first
 * ones named and how many there are in all, so a body of thousands of unknown fields gets an answer
 * of a few kilobytes, not one larger than itself.
 */
export function problemsMessage(problems: readonly string[]): string {
  const named = LIMITS.problemsNamed;
  if (problems.length <= named) return problems.join('; ');
  return `${problems.length} problems, the first ${named} named: ${problems.slice(0, named).join('; ')}; and ${problems.length - named} more`;
}

/** The fields of `body` other than `allowed`, each one problem; after the problems of the known fields, which matter more. */
function unknownFields(body: object, allowed: readonly string[]): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(body))
    if (!allowed.includes(key)) unknown.push(`${show(key)}: unknown field; allowed fields: ${allowed.join(', ')}`);
  return unknown;
}

/**
 * Parses the body of `POST /items`: `{"name": string, "attributes"?: {key: string | number | boolean}}`.
 * Every problem is counted and reported at once, each naming its field, the value and what is
 * allowed (the first LIMITS.problemsNamed of them; the problems of name and attributes first).
 */
export function parseNewItem(raw: string): NewItem {
  const body = jsonObject(raw);
  const problems: string[] = [];
  const fields = body as Record<string, unknown>;
  const name = fields.name;
  if (typeof name !== 'string' || name.trim().length === 0 || longerThan(name, LIMITS.nameLength) || FORBIDDEN_CHARACTER.test(name)) {
    problems.push(`name: got ${show(name)}; allowed: ${RULES.name}`);
  }
  const attributes = Object.hasOwn(fields, 'attributes') ? fields.attributes : {};
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    problems.push(`attributes: got ${show(attributes)}; allowed: ${RULES.attributes}`);
  } else {
    const keys = Object.keys(attributes);
    if (keys.length > LIMITS.attributes) problems.push(`attributes: got ${keys.length} keys; allowed: at most ${LIMITS.attributes}`);
    for (const key of keys.slice(0, LIMITS.attributes + 1)) {
      const value = (attributes as Record<string, unknown>)[key];
      if (
        key.length === 0 ||
        longerThan(key, LIMITS.attributeKeyLength) ||
        FORBIDDEN_CHARACTER.test(key) ||
        (LIMITS.reservedKeys as readonly string[]).includes(key)
      ) {
        problems.push(`attributes: got the key ${show(key)}; allowed: ${RULES.attributeKey}`);
      } else if (problemWithValue(value)) {
        problems.push(`attributes.${key}: got ${show(value)}; allowed: ${RULES.attributeValue}`);
      }
    }
  }
  problems.push(...unknownFields(body, ['name', 'attributes']));
  if (problems.length > 0) throw new BadRequest(problemsMessage(problems));
  return { name: name as string, attributes: attributes as NewItem['attributes'] };
}

/** Parses the body of `POST /session/views`: `{"id": an item id}`, the item the visitor has just read. */
export function parseView(raw: string): string {
  const body = jsonObject(raw);
  const problems: string[] = [];
  const id = (body as Record<string, unknown>).id;
  if (typeof id !== 'string' || !isItemId(id)) problems.push(`id: got ${show(id)}; allowed: ${RULES.itemId}`);
  problems.push(...unknownFields(body, ['id']));
  if (problems.length > 0) throw new BadRequest(problemsMessage(problems));
  return id as string;
}
