/** Validation of request bodies: every problem is named with its field, the value and what is allowed. */
import { BadRequest } from './errors';
import type { NewItem } from './store';

export const LIMITS = { nameLength: 200, attributes: 50, attributeKeyLength: 64, attributeValueLength: 1000 };

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isItemId = (id: string) => ID.test(id);

const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** Parses `POST /items`: `{"name": string, "attributes"?: {key: string | number | boolean}}`. */
export function parseNewItem(raw: string): NewItem {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    throw new BadRequest(`malformed JSON: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(`the body must be a JSON object, got ${show(body)}`);
  const { name, attributes = {}, ...unknown } = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(unknown)) problems.push(`${key}: unknown field; allowed fields: name, attributes`);
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > LIMITS.nameLength) {
    problems.push(`name: got ${show(name)}; allowed: a non-empty string of at most ${LIMITS.nameLength} characters`);
  }
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    problems.push(`attributes: got ${show(attributes)}; allowed: an object of at most ${LIMITS.attributes} keys`);
  } else {
    const entries = Object.entries(attributes as Record<string, unknown>);
    if (entries.length > LIMITS.attributes) problems.push(`attributes: got ${entries.length} keys; allowed: at most ${LIMITS.attributes}`);
    for (const [key, value] of entries) {
      const okValue = ['number', 'boolean'].includes(typeof value) ? Number.isFinite(value) || typeof value === 'boolean' : typeof value === 'string' && value.length <= LIMITS.attributeValueLength;
      if (key.length === 0 || key.length > LIMITS.attributeKeyLength) problems.push(`attributes: the key ${show(key)} is not 1 to ${LIMITS.attributeKeyLength} characters`);
      if (!okValue) problems.push(`attributes.${key}: got ${show(value)}; allowed: a string of at most ${LIMITS.attributeValueLength} characters, a finite number or a boolean`);
    }
  }
  if (problems.length > 0) throw new BadRequest(problems.join('; '));
  return { name: name as string, attributes: attributes as NewItem['attributes'] };
}
