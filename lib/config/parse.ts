/**
 * Parsers for configuration values.
 *
 * Values arrive from two places with different types: cdk.json context holds JSON (numbers,
 * booleans, arrays, objects) and `-c key=value` on the command line always holds a string. Every
 * parser accepts both spellings of the same value, and describes in words what it allows so that
 * an error can say it.
 */

/** The outcome of parsing one value: the value, or why it was refused. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why?: string };

/** Parses one raw value and says, in words, what it allows. */
export interface Parser<T> {
  /** What the parser accepts, written for a person ("a whole number from 0 to 255"). */
  readonly allowed: string;
  parse(raw: unknown): Parsed<T>;
}

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const refuse = (why?: string): Parsed<never> => (why === undefined ? { ok: false } : { ok: false, why });

/** Shows a raw value the way the user wrote it, briefly. */
export function show(raw: unknown): string {
  const text = typeof raw === 'string' ? JSON.stringify(raw) : (JSON.stringify(raw) ?? String(raw));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reads a `-c` string that holds JSON (an array or object); leaves anything else alone. */
function jsonIfStructured(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const trimmed = raw.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return raw;
  try {
    return JSON.parse(trimmed);
  } catch {
    return raw;
  }
}

export function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return {
    allowed: `one of ${values.map((v) => `"${v}"`).join(', ')}`,
    parse(raw) {
      // A number is its digits: `-c priceClass=100` and `"priceClass": 100` mean the same.
      const value = typeof raw === 'number' ? String(raw) : raw;
      return typeof value === 'string' && (values as readonly string[]).includes(value) ? ok(value as T) : refuse();
    },
  };
}

export function wholeNumber(min: number, max: number): Parser<number> {
  return {
    allowed: `a whole number from ${min} to ${max}`,
    parse(raw) {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      return Number.isSafeInteger(n) && n >= min && n <= max ? ok(n) : refuse();
    },
  };
}

/** A number in half steps (0.5, 1, 1.5, ...), as Aurora capacity units are given. */
export function halfSteps(min: number, max: number): Parser<number> {
  return {
    allowed: `a number from ${min} to ${max} in steps of 0.5`,
    parse(raw) {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      return Number.isFinite(n) && n >= min && n <= max && Number.isInteger(n * 2) ? ok(n) : refuse();
    },
  };
}

export function boolean(): Parser<boolean> {
  return {
    allowed: 'true or false',
    parse(raw) {
      if (raw === true || raw === 'true') return ok(true);
      if (raw === false || raw === 'false') return ok(false);
      return refuse();
    },
  };
}

export function matching(pattern: RegExp, allowed: string, normalise: (s: string) => string = (s) => s): Parser<string> {
  return {
    allowed,
    parse(raw) {
      if (typeof raw !== 'string') return refuse();
      const value = normalise(raw.trim());
      return pattern.test(value) ? ok(value) : refuse();
    },
  };
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Digits, as a string or as a JSON number (cdk.json users write account ids both ways). */
export function digits(count: number, allowed: string): Parser<string> {
  const text = matching(new RegExp(`^\\d{${count}}$`), allowed);
  return { allowed, parse: (raw) => text.parse(typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw) };
}

/** A single DNS label, such as `api`. */
export function dnsLabel(): Parser<string> {
  return matching(LABEL, '1 to 63 letters, digits or hyphens, not starting or ending with a hyphen (a single DNS label)', (s) =>
    s.toLowerCase(),
  );
}

/** A domain name with at least two labels and an alphabetic top-level domain, such as `example.com`. */
export function domainName(): Parser<string> {
  return {
    allowed: 'a domain name such as "example.com": two or more DNS labels separated by dots, at most 253 characters, no trailing dot',
    parse(raw) {
      if (typeof raw !== 'string') return refuse();
      const name = raw.trim().toLowerCase();
      const labels = name.split('.');
      const tld = labels[labels.length - 1];
      const valid =
        name.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l)) && /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld);
      return valid ? ok(name) : refuse();
    },
  };
}

/**
 * A list: a JSON array, a JSON array in a string, or a comma-separated string.
 * Each item is parsed by `item`; a bad item is named in the error.
 */
export function listOf<T>(item: Parser<T>, options: { readonly minItems: number; readonly noun: string }): Parser<T[]> {
  return {
    allowed: `a list of at least ${options.minItems} distinct ${options.noun} (a JSON array or a comma-separated string), each ${item.allowed}`,
    parse(raw) {
      const structured = jsonIfStructured(raw);
      const items = Array.isArray(structured)
        ? structured
        : typeof structured === 'string'
          ? structured.split(',').map((s) => s.trim())
          : [structured];
      const values: T[] = [];
      for (const entry of items) {
        const parsed = item.parse(entry);
        if (!parsed.ok) return refuse(`the item ${show(entry)} is not ${item.allowed}`);
        values.push(parsed.value);
      }
      if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) return refuse('the list repeats an item');
      if (values.length < options.minItems) return refuse(`the list has ${values.length} item(s)`);
      return ok(values);
    },
  };
}

/**
 * Either one value for every key, or a JSON object (or JSON in a string) that names some keys.
 * Keys not named take `fallback`; without one they are left out, for the option's default to fill
 * (`Option.fillFromDefault`).
 */
export function uniformOrPerKey<K extends string, T>(
  keys: readonly K[],
  item: Parser<T>,
  fallback: T | undefined,
  keyNoun: string,
): Parser<Record<K, T>> {
  return {
    allowed: `${item.allowed}, for every ${keyNoun}; or a JSON object from ${keyNoun} (${keys.join(', ')}) to such a value`,
    parse(raw) {
      const structured = jsonIfStructured(raw);
      if (structured !== null && typeof structured === 'object' && !Array.isArray(structured)) {
        const result = (fallback === undefined ? {} : Object.fromEntries(keys.map((k) => [k, fallback]))) as Record<K, T>;
        for (const [key, value] of Object.entries(structured)) {
          if (!(keys as readonly string[]).includes(key)) return refuse(`${show(key)} is not a ${keyNoun}`);
          const parsed = item.parse(value);
          if (!parsed.ok) return refuse(`the value for ${keyNoun} ${key}, ${show(value)}, is not ${item.allowed}`);
          result[key as K] = parsed.value;
        }
        return ok(result);
      }
      const parsed = item.parse(structured);
      return parsed.ok ? ok(Object.fromEntries(keys.map((k) => [k, parsed.value])) as Record<K, T>) : refuse();
    },
  };
}
