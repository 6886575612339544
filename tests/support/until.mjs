// Polling with a deadline, for conditions the tests cannot await directly.

/**
 * Calls `condition` every `every` ms until it returns something truthy, and
 * resolves to that; fails after `ms`.
 */
export async function until(what, condition, ms = 15_000, every = 25) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
