// The iteration table's racer menu: one option per racer, named by its label, kept on the racer shown.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Fill `sel` from the racers' labels unless `oldKey` says they are unchanged. Answers {key, renamed, keep}:
 * the labels' key, whether racers were renamed (same count, other labels), the racer now shown (null: unchanged).
 */
export function syncRacerMenu(sel, racers, oldKey) {
  const labels = racers.map((r, k) => r.optimizer?.label || `racer ${k + 1}`);
  const key = labels.join("\u0000");
  if (key === oldKey) return { key, renamed: false, keep: null };
  const renamed = oldKey !== "" && labels.length === oldKey.split("\u0000").length;
  sel.hidden = racers.length < 2;
  if (racers.length < 2) return { key, renamed, keep: null };
  const keep = Math.min(Number(sel.value) || 0, racers.length - 1);
  sel.innerHTML = labels.map((l, k) => `<option value="${k}">${esc(l)}</option>`).join("");
  sel.value = String(keep);
  return { key, renamed, keep };
}
