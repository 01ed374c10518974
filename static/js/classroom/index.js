// The classroom on the page: a watch link or a challenge link makes this a guest's page; otherwise the owner's
// page gets Share → Watch live and Challenge… (see watch.js, challenge.js, board.js).

import * as watch from "./watch.js";
import * as challenge from "./challenge.js";

/** Set the page up; true when it is a guest's page (then the page makes no run of its own). */
export function init(hooks) {
  const path = window.location.pathname.split("/").filter(Boolean);
  if (path.length === 2 && path[0] === "watch") {
    watch.watch(decodeURIComponent(path[1]), hooks);
    return true;
  }
  if (path.length === 2 && path[0] === "challenge") {
    challenge.join(decodeURIComponent(path[1]), hooks);
    return true;
  }
  watch.initOwner();
  challenge.initTeacher();
  return false;
}
