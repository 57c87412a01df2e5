// Output arrays a run may fill again: a redraw that reuses the last redraw's arrays allocates
// nothing, so dragging a slider does not keep the garbage collector busy.

/** out[key] when it is a Float64Array of length n, else a new one (kept in out, when given). */
export function buffer(out, key, n) {
  if (out && out[key] instanceof Float64Array && out[key].length === n) return out[key];
  const array = new Float64Array(n);
  if (out) out[key] = array;
  return array;
}
