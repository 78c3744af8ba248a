/** The circuit breaker (service/src/breaker.ts), on a clock the test moves. */
import { Breaker } from '../../service/src/breaker';

function breaker() {
  const events: string[] = [];
  const clock = { now: 0 };
  const b = new Breaker({
    failures: 3,
    openMs: 2000,
    onOpen: (error) => events.push(`open: ${(error as Error).message}`),
    onClose: (outageMs, skipped) => events.push(`close after ${outageMs} ms, ${skipped} skipped`),
    now: () => clock.now,
  });
  return { b, events, clock };
}

test('it opens after 3 failures in a row, reporting once, and then skips every call', () => {
  const { b, events } = breaker();
  for (let i = 0; i < 2; i++) b.failure(new Error('timeout'));
  b.success(); // a success in between starts the count again
  for (let i = 0; i < 10; i++) if (b.allow()) b.failure(new Error(`timeout ${i}`));
  expect([b.isOpen, events]).toEqual([true, ['open: timeout 2']]);
  expect(Array.from({ length: 5 }, () => b.allow())).toEqual([false, false, false, false, false]);
});

test('after openMs one probe goes through; a failed probe keeps it open quietly, a successful one closes it, reporting once', () => {
  const { b, events, clock } = breaker();
  for (let i = 0; i < 3; i++) b.failure(new Error('timeout'));
  clock.now = 1999;
  expect(b.allow()).toBe(false);
  clock.now = 2000;
  expect([b.allow(), b.allow()]).toEqual([true, false]); // the probe, and a call while it is out
  b.failure(new Error('still down'));
  clock.now = 3000;
  expect(b.allow()).toBe(false);
  clock.now = 4000;
  expect(b.allow()).toBe(true);
  b.success();
  expect([b.isOpen, b.allow(), events]).toEqual([false, true, ['open: timeout', 'close after 4000 ms, 3 skipped']]);
});

test('late failures of calls made before it opened change nothing', () => {
  const { b, events, clock } = breaker();
  for (let i = 0; i < 3; i++) b.failure(new Error('timeout'));
  b.failure(new Error('late'));
  b.success(); // a late success is not a probe
  clock.now = 2000;
  expect([b.isOpen, b.allow(), events]).toEqual([true, true, ['open: timeout']]);
});
