/** How many connections a database accepts (lib/config/connections.ts), from PostgreSQL's documented formula. */
import { instanceMemoryGiB, maxConnections, usableConnections } from '../../lib/config/connections';
import { DATABASE_INSTANCE_SIZES } from '../../lib/config/instance-sizes';

test('LEAST(memory / 9531392, 5000), with a fifth kept in reserve', () => {
  expect([maxConnections(1), usableConnections(1)]).toEqual([112, 89]); // db.t4g.micro
  expect([maxConnections(8), usableConnections(8)]).toEqual([901, 720]); // 4 ACU, db.m7g.large
  expect(maxConnections(64)).toBe(5000);
});

test('every instance class the configuration accepts has its memory in the table', () => {
  const missing = Object.entries(DATABASE_INSTANCE_SIZES).flatMap(([family, sizes]) =>
    sizes.filter((size) => size !== 'metal' && instanceMemoryGiB(`${family}.${size}`) === undefined).map((size) => `${family}.${size}`),
  );
  expect(missing).toEqual([]);
  expect([instanceMemoryGiB('t4g.micro'), instanceMemoryGiB('m7g.large'), instanceMemoryGiB('r7g.large')]).toEqual([1, 8, 16]);
});
