// One settings panel per problem kind (issue 3 adds "network", issue 4 "surface").

import * as linearRegression from "./linear_regression.js";

export const PANELS = {
  [linearRegression.kind]: linearRegression,
};
