// A thin bar under the top bar for the classroom (broadcasting, watching, a student's attempt), built by code.

/** An element with a class, attributes and children (strings become text: nothing is parsed as HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) node.append(c);
  return node;
}

/** The bar with this test id (made once, placed after the lesson bar). */
export function bar(testid) {
  let node = document.querySelector(`[data-testid="${testid}"]`);
  if (!node) {
    node = el("div", { class: "classroom-bar", "data-testid": testid, role: "status" });
    const after = document.getElementById("lesson-bar") || document.querySelector(".topbar");
    after.after(node);
  }
  return node;
}

/** Make the settings on the page unusable (a guest's page: the server refuses them anyway). */
export function lockControls(locked) {
  for (const node of document.querySelectorAll(".sidebar, #copy-link, #lessons-button")) {
    node.inert = locked;
    node.classList.toggle("locked", locked);
  }
}

/** "1 watching", "3 watching". */
export const watchingText = (n) => `${n} watching`;
