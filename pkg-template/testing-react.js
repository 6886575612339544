// wsnotify/testing: render `useNotification` (or `useWebSocket`) in a test
// and drive it, without a test library. React and react-dom (18 or later)
// are loaded when it is first called, so the rest of the kit works without
// them.
import { DEFAULT_TIMEOUT_MS } from './testing-wait.js';

const realSetTimeout = globalThis.setTimeout.bind(globalThis);

/**
 * Renders a component that calls `useNotification(userId, options)` (or,
 * with `{ hook: "useWebSocket" }`, `useWebSocket(url, options)` with
 * `userId` as the URL) into a detached DOM node, inside `act()`. Resolves to
 * `{ result, rerender(userId?, options?), act(fn), waitFor(check), unmount() }`: `result.current`
 * is what the hook returned at the last render, `result.renders` how many
 * renders there were. `strict: true` renders under StrictMode. Needs a DOM
 * (jsdom, happy-dom or a browser) and `loadForTests()` in Node.
 */
export async function renderNotification(userId, options = {}, { hook = 'useNotification', strict = false } = {}) {
  const [React, { createRoot }, hooks] = await Promise.all([import('react'), import('react-dom/client'), import('./react.js')]);
  const useHook = hooks[hook];
  if (typeof useHook !== 'function') throw new TypeError(`wsnotify/testing: no hook ${hook} in wsnotify/react`);
  const act = React.act ?? (await import('react-dom/test-utils')).act;
  // Tells React that updates are wrapped in act(), as test libraries do.
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;

  const result = { current: undefined, renders: 0 };
  function Probe(props) {
    result.current = useHook(props.userId, props.options);
    result.renders += 1;
    return null;
  }
  const container = globalThis.document.createElement('div');
  const root = createRoot(container);
  let props = { userId, options };
  const render = () => {
    const element = React.createElement(Probe, props);
    root.render(strict ? React.createElement(React.StrictMode, null, element) : element);
  };
  await act(async () => render());
  return {
    result,
    /** Re-renders with a new user id (or URL) and/or options. */
    async rerender(nextUserId = props.userId, nextOptions = props.options) {
      props = { userId: nextUserId, options: nextOptions };
      await act(async () => render());
    },
    /** Runs `fn` (e.g. a send, or advancing fake timers) inside `act()`, and resolves to its result. */
    async act(fn) {
      let value;
      await act(async () => {
        value = await fn();
      });
      return value;
    },
    /**
     * With real timers: re-checks `check()` every 10 ms inside `act()` (so the
     * hook's updates are wrapped) until it returns something truthy, and
     * resolves to that; rejects after `timeoutMs`. Under fake timers, advance
     * them inside `act()` instead.
     */
    async waitFor(check, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
      const rounds = Math.max(1, Math.ceil(timeoutMs / 10));
      for (let round = 0; round < rounds; round += 1) {
        const value = check(result.current);
        if (value) return value;
        await act(() => new Promise((resolve) => realSetTimeout(resolve, 10)));
      }
      throw new Error(`wsnotify/testing: timed out after ${timeoutMs} ms waiting for the rendered hook`);
    },
    /** Unmounts (which closes the hook's connection). */
    async unmount() {
      await act(async () => root.unmount());
    },
  };
}
