import { parseNewItem } from '../../../service/src/validate';

/** Whether the service's validation takes this value as the body of POST /items. */
export function accepts(body: unknown): boolean {
  try {
    parseNewItem(JSON.stringify(body));
    return true;
  } catch {
    return false;
  }
}
