// Waiting on the real clock, for tests with real sockets, processes or browsers. Every limit here is a guard
// against a hang that fails the test with what it waited for, never a timing assertion.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `done()` holds, checking every `every` ms; rejects after `ms` naming `what`. */
export async function until(done: () => boolean, what = 'a condition', ms = 15_000, every = 2): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** Updates the drivers, yielding to the event loop in between, until `done()` holds after an update. */
export async function pump(
  drivers: ReadonlyArray<{ update(): void }>, done: () => boolean, what = 'a condition', ms = 15_000,
): Promise<void> {
  await until(() => { for (const d of drivers) d.update(); return done(); }, what, ms);
}
