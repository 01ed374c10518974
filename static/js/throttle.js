// Rate limits for what a drag sends: at most one call every `ms`, and the last call's arguments always sent.

/** `fn` called at most every `ms` milliseconds; a call in between is delayed, and only the newest one made. */
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  let args = null;
  return (...a) => {
    args = a;
    const now = performance.now();
    if (now - last >= ms) {
      last = now;
      fn(...args);
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        last = performance.now();
        fn(...args);
      }, ms - (now - last));
    }
  };
}
